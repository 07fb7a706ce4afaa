// A backend that accepts every request and does nothing: what is left to
// measure is the cost of preparing the call.
#pragma once

extern "C" int uapikit_bench_noop_ioctl(unsigned long request, void* argument) noexcept;

struct noop_backend {
    int ioctl(unsigned long request, void* argument) noexcept { return uapikit_bench_noop_ioctl(request, argument); }
};
