// expect: no matching function|cannot convert|no viable conversion|could not convert
// A raw flag word where the typed flags of IOAS_MAP are expected.
#include "misuse_prelude.hpp"
void misuse(null_backend& b) {
    static char page[4096];
#ifdef UAPIKIT_MISUSE
    (void)uapikit::ioas_map(b, 6u, uapikit::ioas_id{1}, page, sizeof page, 0);
#else
    (void)uapikit::ioas_map(b, uapikit::ioas_map_flags::readable | uapikit::ioas_map_flags::writeable, uapikit::ioas_id{1}, page,
                            sizeof page, 0);
#endif
}
