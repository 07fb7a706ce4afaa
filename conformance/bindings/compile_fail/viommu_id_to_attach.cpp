// expect: no matching function|cannot convert|no viable conversion|could not convert
// A VFIO device attaches to an IOAS or a HWPT, not to a vIOMMU.
#include "misuse_prelude.hpp"
void misuse(null_backend& vfio_device) {
    uapikit::viommu_id viommu{3};
#ifdef UAPIKIT_MISUSE
    (void)uapikit::vfio_device_attach_iommufd_pt(vfio_device, viommu);
#else
    (void)uapikit::vfio_device_attach_iommufd_pt(vfio_device, uapikit::hwpt_id{viommu.value()});
#endif
}
