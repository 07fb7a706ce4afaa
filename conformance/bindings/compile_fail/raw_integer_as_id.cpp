// expect: no matching function|cannot convert|no viable conversion|could not convert
// A raw integer where an id is expected.
#include "misuse_prelude.hpp"
void misuse(null_backend& b) {
#ifdef UAPIKIT_MISUSE
    (void)uapikit::alloc_nest_parent_hwpt(b, 1u, 2u);
#else
    (void)uapikit::alloc_nest_parent_hwpt(b, uapikit::device_id{1u}, uapikit::ioas_id{2u});
#endif
}
