// Shared by the compile-fail cases: each compiles cleanly as written and
// must fail with -DUAPIKIT_MISUSE, with the message its first line expects.
#pragma once
#include <uapikit/iommufd.hpp>

struct null_backend {
    int ioctl(unsigned long, void*) noexcept { return 0; }
};
