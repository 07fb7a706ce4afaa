// expect: IOMMU_DESTROY takes the id of a destroyable iommufd object
// A bound device is not destroyed by id.
#include "misuse_prelude.hpp"
void misuse(null_backend& b) {
#ifdef UAPIKIT_MISUSE
    (void)uapikit::destroy(b, uapikit::device_id{1});
#else
    (void)uapikit::destroy(b, uapikit::vdevice_id{1});
#endif
}
