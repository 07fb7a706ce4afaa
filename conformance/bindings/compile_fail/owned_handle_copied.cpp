// expect: deleted|use of deleted function
// An owned handle destroys its object when it goes: it moves, it does not copy.
#include "misuse_prelude.hpp"
#include <utility>
void misuse(null_backend& b) {
    auto ioas = uapikit::own(b, uapikit::ioas_id{1});
#ifdef UAPIKIT_MISUSE
    auto copy = ioas;
#else
    auto copy = std::move(ioas);
#endif
    (void)copy;
}
