// Shared by the compile-fail cases: each compiles cleanly as written and
// must fail with -DUAPIKIT_MISUSE, with the message its first line expects.
#pragma once
#include <uapikit/handles.hpp>
#include <uapikit/iommufd.hpp>
#include <uapikit/vfio_kvm.hpp>

struct null_backend {
    int ioctl(unsigned long, void*) noexcept { return 0; }
};
