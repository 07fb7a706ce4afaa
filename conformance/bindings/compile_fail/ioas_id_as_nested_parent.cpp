// expect: alloc_nested_hwpt
// A nested HWPT's parent is a HWPT or a vIOMMU, never an IOAS.
#include "misuse_prelude.hpp"
void misuse(null_backend& b) {
    uapikit::raw::proposed::iommu_hwpt_vtd_s1 data{};
#ifdef UAPIKIT_MISUSE
    (void)uapikit::alloc_nested_hwpt(b, uapikit::device_id{1}, uapikit::ioas_id{2}, data);
#else
    (void)uapikit::alloc_nested_hwpt(b, uapikit::device_id{1}, uapikit::hwpt_id{2}, data);
#endif
}
