// expect: nested_hwpt_data
// A struct that is no driver's nested-HWPT data (struct iommu_destroy) given as one.
#include "misuse_prelude.hpp"
void misuse(null_backend& b) {
#ifdef UAPIKIT_MISUSE
    uapikit::raw::proposed::iommu_destroy data{};
#else
    uapikit::raw::proposed::iommu_hwpt_arm_smmuv3 data{};
#endif
    (void)uapikit::alloc_nested_hwpt(b, uapikit::device_id{1}, uapikit::viommu_id{2}, data);
}
