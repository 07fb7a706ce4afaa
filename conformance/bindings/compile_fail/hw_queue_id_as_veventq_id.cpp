// expect: no viable conversion|conversion from .* to non-scalar type|cannot convert|no matching
// The two queues of a vIOMMU are different objects: a HW queue's id is not a vEVENTQ's.
#include "misuse_prelude.hpp"
void misuse(null_backend& b) {
    auto queue = uapikit::hw_queue_alloc(b, uapikit::viommu_id{3}, uapikit::hw_queue_type::tegra241_cmdqv, 0, 0x10000,
                                         0x10000);
    if (!queue) return;
#ifdef UAPIKIT_MISUSE
    uapikit::veventq_id events = *queue;
#else
    uapikit::veventq_id events{queue->value()};
#endif
    (void)events;
}
