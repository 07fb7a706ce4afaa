// expect: no matching function|cannot convert|no viable conversion
// A vEVENTQ's id where its vIOMMU's is expected (IOMMU_HW_QUEUE_ALLOC takes the vIOMMU).
#include "misuse_prelude.hpp"
void misuse(null_backend& b) {
    uapikit::veventq_id veventq{5};
#ifdef UAPIKIT_MISUSE
    (void)uapikit::hw_queue_alloc(b, veventq, uapikit::hw_queue_type::tegra241_cmdqv, 0, 0x10000, 0x10000);
#else
    (void)uapikit::hw_queue_alloc(b, uapikit::viommu_id{veventq.value()}, uapikit::hw_queue_type::tegra241_cmdqv, 0,
                                  0x10000, 0x10000);
#endif
}
