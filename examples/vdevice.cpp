// vDEVICE family: present a device to the guest through a vIOMMU, under
// the id the guest uses for it (virt_id: a vSID or vRID).
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
    auto viommu = uapikit::alloc_viommu(*iommufd, mock->device, *parent, uapikit::selftest_viommu_data{0});
    if (!ok(viommu)) return 1;
    auto vdev = uapikit::vdevice_alloc(*iommufd, viommu->id, mock->device, /*virt_id=*/0x100);
    if (!ok(vdev)) return 1;
    std::printf("vdevice %u: device %u as virtual id 0x100 in vIOMMU %u\n", vdev->value(), mock->device.value(),
                viommu->id.value());
    // Teardown in dependency order: a vIOMMU with vdevices is busy (EBUSY).
    if (!ok(uapikit::destroy(*iommufd, *vdev)) || !ok(uapikit::destroy(*iommufd, viommu->id))) return 1;
    return 0;
}
