// The seam between the typed layer and whatever answers ioctls: the real
// kernel (linux_backend.hpp, files.hpp) or the in-process fake. The
// generated calls issue their requests through issue() (call_support.hpp);
// submit() here serves hand-written calls on a raw struct that has a `size`
// field and command_traits (the selftest mock): it fills `size`, issues the
// request and turns a negative errno into an error named after the command.
#pragma once

#include <uapikit/error.hpp>
#include <uapikit/raw_support.hpp>

#include <type_traits>

namespace uapikit {

// A backend answers ioctl(request, argument) on its iommufd: 0 (or a
// positive value) on success, -errno on failure, never an exception.
template <typename B>
concept backend = requires(B& b, unsigned long request, void* argument) {
    requires noexcept(b.ioctl(request, argument));
    requires std::is_same_v<decltype(b.ioctl(request, argument)), int>;
};

template <backend B, typename Arg>
inline result<void> submit(B& b, Arg& argument) noexcept {
    using traits = command_traits<Arg>;
    argument.size = sizeof(Arg);
    int rc = b.ioctl(traits::request, &argument);
    if (rc < 0) return failure{{-rc, traits::name}};
    return {};
}

}  // namespace uapikit
