// expect: no matching function|cannot convert|no viable conversion
// A HWPT id where an IOAS is expected: IOMMU_IOAS_MAP maps into an IOAS only.
#include "misuse_prelude.hpp"
void misuse(null_backend& b) {
    uapikit::hwpt_id hwpt{2};
    static char page[4096];
#ifdef UAPIKIT_MISUSE
    (void)uapikit::ioas_map(b, uapikit::ioas_map_flags::readable, hwpt, page, sizeof page, 0);
#else
    (void)uapikit::ioas_map(b, uapikit::ioas_map_flags::readable, uapikit::ioas_id{hwpt.value()}, page, sizeof page, 0);
#endif
}
