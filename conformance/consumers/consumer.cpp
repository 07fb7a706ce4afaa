// A VMM-side program using only the uapikit headers: the typed layer over
// the fake. Built by the consumer projects to prove the kit is usable after
// `meson install` (pkg-config) and as a meson subproject, without libclang.
#include <uapikit/fake/backend.hpp>
#include <uapikit/fake/libc.hpp>
#include <uapikit/files.hpp>
#include <uapikit/generated/mainline_2026_calls.hpp>
#include <uapikit/handles.hpp>
#include <uapikit/iommufd.hpp>
#include <uapikit/linux_backend.hpp>
#include <uapikit/vfio_kvm.hpp>

#include <cstdio>

int main() {
    uapikit::fake::host host;
    uapikit::fake::iommufd_backend iommufd(host);
    auto ioas = uapikit::ioas_alloc(iommufd);
    if (!ioas) return 1;
    auto mock = uapikit::selftest_mock_device(iommufd, *ioas);
    if (!mock) return 1;
    auto parent = uapikit::alloc_nest_parent_hwpt(iommufd, mock->device, *ioas);
    if (!parent) return 1;
    auto viommu = uapikit::alloc_viommu(iommufd, mock->device, *parent, uapikit::selftest_viommu_data{42});
    if (!viommu || viommu->data.out_data() != 42) return 1;
    std::printf("consumer: vIOMMU %u allocated on the fake\n", viommu->id.value());
    return 0;
}
