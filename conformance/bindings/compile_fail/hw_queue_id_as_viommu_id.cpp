// expect: no matching function|cannot convert|no viable conversion
// A HW queue's id where its vIOMMU's is expected (IOMMU_VEVENTQ_ALLOC takes the vIOMMU).
#include "misuse_prelude.hpp"
void misuse(null_backend& b) {
    uapikit::hw_queue_id queue{6};
#ifdef UAPIKIT_MISUSE
    (void)uapikit::veventq_alloc(b, queue, uapikit::veventq_type::tegra241_cmdqv, 16);
#else
    (void)uapikit::veventq_alloc(b, uapikit::viommu_id{queue.value()}, uapikit::veventq_type::tegra241_cmdqv, 16);
#endif
}
