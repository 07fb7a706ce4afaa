// A backend that records every request and the bytes of its argument, and
// lets a test answer: write outputs into the argument, or fail with an
// errno. The typed-call tests run every call over it.
#pragma once

#include <uapikit/backend.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <vector>

namespace uapikit::testing {

struct recording_backend {
    struct call {
        unsigned long request;
        std::vector<unsigned char> bytes;  // the argument as it was sent, `size` bytes
    };
    std::vector<call> calls;
    int fail_with = 0;  // errno to return, 0 for success
    // Answers a call: writes outputs into the argument and returns the
    // ioctl's value, or -errno. Runs after the call is recorded.
    std::function<int(unsigned long request, void* argument)> reply;
    std::size_t argument_size = 0;  // bytes to record when the struct has no size field (0: read `size`)

    int ioctl(unsigned long request, void* argument) noexcept {
        std::size_t size = argument_size;
        if (!size && argument) {
            std::uint32_t leading;
            std::memcpy(&leading, argument, sizeof leading);
            size = leading;
        }
        auto* bytes = static_cast<unsigned char*>(argument);
        calls.push_back({request, bytes ? std::vector<unsigned char>(bytes, bytes + size) : std::vector<unsigned char>{}});
        if (fail_with) return -fail_with;
        return reply ? reply(request, argument) : 0;
    }

    // The last argument sent, as the struct T (which must be its size).
    template <typename T>
    T last() const {
        T out{};
        REQUIRE(!calls.empty());
        REQUIRE(calls.back().bytes.size() == sizeof(T));
        std::memcpy(static_cast<void*>(&out), calls.back().bytes.data(), sizeof(T));
        return out;
    }
};

static_assert(uapikit::backend<recording_backend>);

}  // namespace uapikit::testing
