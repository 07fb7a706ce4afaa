// expect: no matching function|cannot convert|no viable conversion
// A HWPT id where a vIOMMU id is expected.
#include "misuse_prelude.hpp"
void misuse(null_backend& b) {
    uapikit::hwpt_id hwpt{3};
#ifdef UAPIKIT_MISUSE
    (void)uapikit::vdevice_alloc(b, hwpt, uapikit::device_id{1}, 0);
#else
    (void)uapikit::vdevice_alloc(b, uapikit::viommu_id{hwpt.value()}, uapikit::device_id{1}, 0);
#endif
}
