// expect: no matching function|cannot convert|no viable conversion|could not convert
// A plain integer for HWPT_ALLOC's pt_id, which takes an IOAS, a HWPT or a vIOMMU id and nothing else.
#include "misuse_prelude.hpp"
void misuse(null_backend& b) {
#ifdef UAPIKIT_MISUSE
    (void)uapikit::hwpt_alloc(b, uapikit::hwpt_alloc_flags::none, uapikit::device_id{1}, 5u, uapikit::hwpt_data_type::none,
                              uapikit::const_bytes{}, uapikit::fault_id{});
#else
    (void)uapikit::hwpt_alloc(b, uapikit::hwpt_alloc_flags::none, uapikit::device_id{1}, uapikit::ioas_id{5},
                              uapikit::hwpt_data_type::none, uapikit::const_bytes{}, uapikit::fault_id{});
#endif
}
