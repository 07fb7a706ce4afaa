// expect: no matching function|cannot convert|no viable conversion|could not convert
// A vdevice id for HWPT_ALLOC's pt_id: not one of the three kinds it takes.
#include "misuse_prelude.hpp"
void misuse(null_backend& b) {
    uapikit::vdevice_id vdev{7};
#ifdef UAPIKIT_MISUSE
    (void)uapikit::hwpt_alloc(b, uapikit::hwpt_alloc_flags::none, uapikit::device_id{1}, vdev, uapikit::hwpt_data_type::none,
                              uapikit::const_bytes{}, uapikit::fault_id{});
#else
    (void)uapikit::hwpt_alloc(b, uapikit::hwpt_alloc_flags::none, uapikit::device_id{1}, uapikit::viommu_id{vdev.value()},
                              uapikit::hwpt_data_type::none, uapikit::const_bytes{}, uapikit::fault_id{});
#endif
}
