// expect: no matching function|cannot convert|no viable conversion|could not convert
// A VM fd where an object id is expected.
#include "misuse_prelude.hpp"
void misuse(null_backend& b) {
    uapikit::vm_fd vm{7};
#ifdef UAPIKIT_MISUSE
    (void)uapikit::vdevice_alloc(b, vm, uapikit::device_id{1}, 0);
#else
    (void)uapikit::vdevice_alloc(b, uapikit::viommu_id{static_cast<std::uint32_t>(vm.get())}, uapikit::device_id{1}, 0);
#endif
}
