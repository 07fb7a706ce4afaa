// The ioctl of the no-op backend lives in its own translation unit, so the
// compiler cannot see through it: both benchmarked functions must really
// build their struct and make the call.
#include "noop_backend.hpp"

extern "C" int uapikit_bench_noop_ioctl(unsigned long request, void* argument) noexcept {
    (void)request;
    (void)argument;
    return 0;
}
