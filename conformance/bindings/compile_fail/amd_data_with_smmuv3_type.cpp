// expect: driver data does not match the vIOMMU type
// AMD driver data for an ARM SMMUv3 vIOMMU.
#include "misuse_prelude.hpp"
void misuse(null_backend& b) {
    uapikit::amd_viommu_data amd{uapikit::vm_fd{5}};
#ifdef UAPIKIT_MISUSE
    (void)uapikit::alloc_viommu<uapikit::viommu_type::arm_smmuv3>(b, uapikit::device_id{1}, uapikit::hwpt_id{2}, amd);
#else
    (void)uapikit::alloc_viommu<uapikit::viommu_type::amd>(b, uapikit::device_id{1}, uapikit::hwpt_id{2}, amd);
#endif
}
