// How much cheaper a call into the fake is than a system call, the reason a
// test suite can afford thousands of ioctls on it. Loops of about a second
// each, in one process:
//   destroy_missing  IOMMU_DESTROY of an id that does not exist (fake: ENOENT)
//   viommu_pair      IOMMU_VIOMMU_ALLOC (selftest type) + IOMMU_DESTROY of it
//   map_pair         IOMMU_IOAS_MAP of one 4 KiB page at a fixed IOVA +
//                    IOMMU_IOAS_UNMAP of it, on an IOAS without a domain
//   map_pair_domain  the same on an IOAS a mock domain is attached to: each
//                    map pins the page, which checks the memory is there
//                    with process_vm_readv(2), a system call of its own
//   syscall          ioctl(2) IOMMU_DESTROY on /dev/null (kernel: ENOTTY)
//
//   bench/fake_bench [seconds per loop, default 1]
#include "fake_loops.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace {

namespace abi = uapikit::raw::proposed;
using clock_type = std::chrono::steady_clock;
using fake_loops::clobber_memory;
using fake_loops::fail;

struct result {
    long calls;
    double seconds;
    double ns_per_call() const { return seconds * 1e9 / static_cast<double>(calls); }
};

// Runs `body` (which makes `per_body` calls) in batches until `seconds` have
// passed; reading the clock once per batch keeps it out of the figures.
template <typename Body>
result measure(double seconds, int per_body, Body body) {
    constexpr int batch = 1000;
    const auto start = clock_type::now();
    long bodies = 0;
    std::chrono::duration<double> elapsed{};
    do {
        for (int i = 0; i < batch; ++i) {
            body();
            clobber_memory();
        }
        bodies += batch;
        elapsed = clock_type::now() - start;
    } while (elapsed.count() < seconds);
    return {bodies * per_body, elapsed.count()};
}

void print(const char* name, const result& r) {
    std::printf("%-16s %11ld calls %6.2f s %12.0f calls/s %9.1f ns/call\n", name, r.calls, r.seconds,
                static_cast<double>(r.calls) / r.seconds, r.ns_per_call());
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
    fake_loops::setup s;

    // (a) The shortest path through the dispatcher that reaches a handler.
    // The context holds the set-up's objects; the id is not among them.
    const result missing = measure(seconds, 1, [&] {
        abi::iommu_destroy cmd{sizeof cmd, 0xffff};
        if (int rc = s.h.ioctl(s.fd, abi::IOMMU_DESTROY, &cmd); rc != -ENOENT) fail("IOMMU_DESTROY (fake)", rc);
    });
    // (b) A vIOMMU made and destroyed on the set-up's nest-parent HWPT.
    const result pair = measure(seconds, 2, [&] { s.viommu_pair(); });
    // (c) One page mapped and unmapped, without and with a domain to fill.
    const result map = measure(seconds, 2, [&] { s.map_pair(s.bare.out_ioas_id, 0x100000); });
    const result map_domain = measure(seconds, 2, [&] { s.map_pair(s.ioas.out_ioas_id, abi::MOCK_APERTURE_START); });

    // (d) The cheapest real ioctl(2): the kernel rejects it at the fd's file
    // operations without looking at the argument.
    const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null_fd < 0) fail("open(/dev/null)", -errno);
    const result sys = measure(seconds, 1, [&] {
        abi::iommu_destroy cmd{sizeof cmd, 0xffff};
        if (::ioctl(null_fd, abi::IOMMU_DESTROY, &cmd) != -1 || errno != ENOTTY) fail("ioctl(/dev/null)", -errno);
    });
    ::close(null_fd);

    print("destroy_missing", missing);
    print("viommu_pair", pair);
    print("map_pair", map);
    print("map_pair_domain", map_domain);
    print("syscall", sys);
    std::printf("syscall_ns / fake_ns per call: destroy_missing %.1fx, viommu_pair %.1fx, map_pair %.1fx, "
                "map_pair_domain %.1fx\n",
                sys.ns_per_call() / missing.ns_per_call(), sys.ns_per_call() / pair.ns_per_call(),
                sys.ns_per_call() / map.ns_per_call(), sys.ns_per_call() / map_domain.ns_per_call());
    return 0;
}
