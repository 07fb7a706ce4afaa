// owned<> (include/uapikit/handles.hpp) over the recording backend: every
// IOMMU_DESTROY it issues is read back from the recorded bytes. The request
// number and the argument's layout are written here from Linux 6.12
// include/uapi/linux/iommufd.h, not taken from uapikit: IOMMU_DESTROY is
// _IO(';', 0x80) and struct iommu_destroy is {__u32 size; __u32 id;}.
#include "recording_backend.hpp"

#include <uapikit/handles.hpp>

#include <doctest/doctest.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

using uapikit::testing::recording_backend;

namespace {

constexpr unsigned long kernel_iommu_destroy = (';' << 8) | 0x80;  // _IO(';', 0x80)

// The ids of every IOMMU_DESTROY issued, in order; any other request fails the test.
std::vector<std::uint32_t> destroyed(const recording_backend& b) {
    std::vector<std::uint32_t> ids;
    for (const auto& c : b.calls) {
        REQUIRE(c.request == kernel_iommu_destroy);
        REQUIRE(c.bytes.size() == 8);
        std::uint32_t size, id;
        std::memcpy(&size, c.bytes.data(), 4);
        std::memcpy(&id, c.bytes.data() + 4, 4);
        CHECK(size == 8);
        ids.push_back(id);
    }
    return ids;
}

}  // namespace

TEST_CASE("owned handles destroy on scope exit, in reverse order of creation, each kind by its id") {
    recording_backend b;
    {
        auto ioas = uapikit::own(b, uapikit::ioas_id{1});
        auto hwpt = uapikit::own(b, uapikit::hwpt_id{2});
        auto viommu = uapikit::own(b, uapikit::viommu_id{3});
        auto vdevice = uapikit::own(b, uapikit::vdevice_id{4});
        auto veventq = uapikit::own(b, uapikit::veventq_id{5});
        auto queue = uapikit::own(b, uapikit::hw_queue_id{6});
        auto fault = uapikit::own(b, uapikit::fault_id{7});
        CHECK(b.calls.empty());  // nothing is destroyed while the handles live
        CHECK(ioas.get() == uapikit::ioas_id{1});
        uapikit::viommu_id plain = viommu;  // converts to the plain id
        CHECK(plain == uapikit::viommu_id{3});
    }
    CHECK(destroyed(b) == std::vector<std::uint32_t>{7, 6, 5, 4, 3, 2, 1});
}

TEST_CASE("a moved-from handle destroys nothing; the handle moved to destroys once") {
    recording_backend b;
    {
        auto first = uapikit::own(b, uapikit::ioas_id{11});
        {
            auto second = std::move(first);
            CHECK(second.get() == uapikit::ioas_id{11});
            CHECK_FALSE(first.get());
        }
        CHECK(destroyed(b) == std::vector<std::uint32_t>{11});  // at the inner scope's end, by `second`
    }
    CHECK(destroyed(b) == std::vector<std::uint32_t>{11});  // `first`, moved from, destroyed nothing
}

TEST_CASE("move assignment destroys the object held before, then owns the other's") {
    recording_backend b;
    {
        auto kept = uapikit::own(b, uapikit::hwpt_id{21});
        auto given = uapikit::own(b, uapikit::hwpt_id{22});
        kept = std::move(given);
        CHECK(destroyed(b) == std::vector<std::uint32_t>{21});
        CHECK(kept.get() == uapikit::hwpt_id{22});
        CHECK_FALSE(given.get());
    }
    CHECK(destroyed(b) == std::vector<std::uint32_t>{21, 22});
}

TEST_CASE("release() gives the id up: nothing is destroyed, then or on scope exit") {
    recording_backend b;
    uapikit::viommu_id kept;
    {
        auto viommu = uapikit::own(b, uapikit::viommu_id{31});
        kept = viommu.release();
        CHECK_FALSE(viommu.get());
    }
    CHECK(kept == uapikit::viommu_id{31});
    CHECK(b.calls.empty());
}

TEST_CASE("reset() destroys now and empties the handle; a second reset and the scope exit do nothing") {
    recording_backend b;
    {
        auto vdevice = uapikit::own(b, uapikit::vdevice_id{41});
        CHECK(vdevice.reset());
        CHECK(destroyed(b) == std::vector<std::uint32_t>{41});
        CHECK_FALSE(vdevice.get());
        CHECK(vdevice.reset());
    }
    CHECK(destroyed(b) == std::vector<std::uint32_t>{41});
}

TEST_CASE("reset() refused (EBUSY: a dependant still lives) keeps the id, and the handle destroys it later") {
    recording_backend b;
    {
        auto ioas = uapikit::own(b, uapikit::ioas_id{51});
        b.fail_with = EBUSY;
        auto r = ioas.reset();
        REQUIRE_FALSE(r);
        CHECK(r.error().code() == EBUSY);
        CHECK(std::strcmp(r.error().operation(), "IOMMU_DESTROY") == 0);
        CHECK(ioas.get() == uapikit::ioas_id{51});
        b.fail_with = 0;
    }
    CHECK(destroyed(b) == std::vector<std::uint32_t>{51, 51});
}

TEST_CASE("own() of a failed allocation is the failure and owns nothing; an empty handle destroys nothing") {
    recording_backend b;
    {
        uapikit::result<uapikit::ioas_id> failed = uapikit::failure{{ENOMEM, "IOMMU_IOAS_ALLOC"}};
        auto owned = uapikit::own(b, failed);
        REQUIRE_FALSE(owned);
        CHECK(owned.error().code() == ENOMEM);
        auto empty = uapikit::own(b, uapikit::hwpt_id{});
    }
    CHECK(b.calls.empty());
}

// IOMMU_VIOMMU_ALLOC is _IO(';', 0x90). In struct iommu_viommu_alloc the
// kernel writes out_viommu_id at byte 20 and reads data_uptr at byte 32; in
// struct iommu_viommu_selftest out_data is at byte 4 (mainline
// include/uapi/linux/iommufd.h and drivers/iommu/iommufd/iommufd_test.h).
namespace {
constexpr unsigned long kernel_viommu_alloc = (';' << 8) | 0x90;  // _IO(';', 0x90)
}  // namespace

TEST_CASE("own() of alloc_viommu() owns the vIOMMU's id and keeps the driver data the kernel wrote back") {
    recording_backend b;
    b.reply = [](unsigned long request, void* argument) {
        REQUIRE(request == kernel_viommu_alloc);
        auto* bytes = static_cast<unsigned char*>(argument);
        const std::uint32_t id = 9;
        std::memcpy(bytes + 20, &id, sizeof id);
        std::uint64_t data;
        std::memcpy(&data, bytes + 32, sizeof data);
        std::uint32_t in_data;
        std::memcpy(&in_data, reinterpret_cast<const void*>(data), sizeof in_data);
        const std::uint32_t out_data = in_data + 1;
        std::memcpy(reinterpret_cast<unsigned char*>(data) + 4, &out_data, sizeof out_data);
        return 0;
    };
    {
        auto viommu = uapikit::own(b, uapikit::alloc_viommu(b, uapikit::device_id{1}, uapikit::hwpt_id{2},
                                                            uapikit::selftest_viommu_data{0x41}));
        REQUIRE(viommu);
        CHECK(viommu->id.get() == uapikit::viommu_id{9});
        CHECK(viommu->data.out_data() == 0x42);
        uapikit::viommu_id plain = *viommu;  // converts to the plain id
        CHECK(plain == uapikit::viommu_id{9});
        REQUIRE(b.calls.size() == 1);
        b.calls.clear();
        b.reply = nullptr;  // the destroy at scope exit succeeds without a reply
    }
    CHECK(destroyed(b) == std::vector<std::uint32_t>{9});
}

TEST_CASE("own() of a failed alloc_viommu() is the failure and destroys nothing") {
    recording_backend b;
    b.fail_with = EINVAL;
    {
        auto viommu = uapikit::own(b, uapikit::alloc_viommu(b, uapikit::device_id{1}, uapikit::hwpt_id{2},
                                                            uapikit::selftest_viommu_data{0}));
        REQUIRE_FALSE(viommu);
        CHECK(viommu.error().code() == EINVAL);
        CHECK(std::strcmp(viommu.error().operation(), "IOMMU_VIOMMU_ALLOC") == 0);
    }
    CHECK(b.calls.size() == 1);  // the allocation only
}
