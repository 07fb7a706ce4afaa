// HWPT family: a nesting-parent hardware page table over an IOAS, for a
// device. A real VMM gets the device id from VFIO_DEVICE_BIND_IOMMUFD; this
// example makes a selftest mock device (kernels with CONFIG_IOMMUFD_TEST).
#include <uapikit/error_text.hpp>
#include <uapikit/iommufd.hpp>
#include <uapikit/linux_backend.hpp>

#include <cstdio>

template <typename T>
static bool ok(const uapikit::result<T>& r) {
    if (!r) std::fprintf(stderr, "%s\n", uapikit::describe(r.error()).c_str());
    return static_cast<bool>(r);
}

int main() {
    auto iommufd = uapikit::linux_backend::open();
    if (!ok(iommufd)) return 1;
    auto ioas = uapikit::ioas_alloc(*iommufd);
    if (!ok(ioas)) return 1;
    auto mock = uapikit::selftest_mock_device(*iommufd, *ioas);
    if (!ok(mock)) return 1;
    auto parent = uapikit::alloc_nest_parent_hwpt(*iommufd, mock->device, *ioas);
    if (!ok(parent)) return 1;
    std::printf("device %u: nest-parent HWPT %u over IOAS %u\n", mock->device.value(), parent->value(), ioas->value());
    // Closing the iommufd destroys everything, dependants first.
    return 0;
}
