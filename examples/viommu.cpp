// vIOMMU family: a virtual IOMMU on a nesting-parent HWPT. The driver data
// decides the vIOMMU type; here the selftest mock's, whose driver echoes
// in_data. For AMD hardware, pass uapikit::amd_viommu_data{vm} and the VM:
//   alloc_viommu(fd, dev, parent, uapikit::amd_viommu_data{vm}, vm)
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
    auto viommu = uapikit::alloc_viommu(*iommufd, mock->device, *parent, uapikit::selftest_viommu_data{0x5a5a});
    if (!ok(viommu)) return 1;
    std::printf("vIOMMU %u on HWPT %u; driver answered 0x%x\n", viommu->id.value(), parent->value(), viommu->data.out_data());
    return 0;
}
