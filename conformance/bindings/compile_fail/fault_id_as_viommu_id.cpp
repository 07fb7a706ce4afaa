// expect: no matching function|cannot convert|no viable conversion
// A fault queue's id where a vIOMMU's is expected (IOMMU_VEVENTQ_ALLOC takes the vIOMMU).
#include "misuse_prelude.hpp"
void misuse(null_backend& b) {
    uapikit::fault_id fault{4};
#ifdef UAPIKIT_MISUSE
    (void)uapikit::veventq_alloc(b, fault, uapikit::veventq_type::arm_smmuv3, 16);
#else
    (void)uapikit::veventq_alloc(b, uapikit::viommu_id{fault.value()}, uapikit::veventq_type::arm_smmuv3, 16);
#endif
}
