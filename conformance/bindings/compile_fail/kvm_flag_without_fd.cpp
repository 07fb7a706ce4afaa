// expect: no matching function
// The KVM flag without a VM fd: the flag can only come with a vm_fd.
#include "misuse_prelude.hpp"
void misuse(null_backend& b) {
#ifdef UAPIKIT_MISUSE
    (void)uapikit::alloc_viommu(b, uapikit::device_id{1}, uapikit::hwpt_id{2}, uapikit::arm_smmuv3_viommu_data{},
                                uapikit::raw::proposed::IOMMU_VIOMMU_KVM_FD);
#else
    (void)uapikit::alloc_viommu(b, uapikit::device_id{1}, uapikit::hwpt_id{2}, uapikit::arm_smmuv3_viommu_data{},
                                uapikit::vm_fd{5});
#endif
}
