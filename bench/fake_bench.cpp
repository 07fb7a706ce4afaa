// How much cheaper a call into the fake is than a system call, the reason a
// test suite can afford thousands of ioctls on it. Three loops of about a
// second each, in one process:
//   destroy_missing  IOMMU_DESTROY of an id that does not exist (fake: ENOENT)
//   viommu_pair      IOMMU_VIOMMU_ALLOC (selftest type) + IOMMU_DESTROY of it
//   syscall          ioctl(2) IOMMU_DESTROY on /dev/null (kernel: ENOTTY)
//
//   bench/fake_bench [seconds per loop, default 1]
#include <uapikit/fake/host.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace {

namespace abi = uapikit::raw::proposed;
using clock_type = std::chrono::steady_clock;

struct result {
    long calls;
    double seconds;
    double ns_per_call() const { return seconds * 1e9 / static_cast<double>(calls); }
};

[[noreturn]] void fail(const char* what, int rc) {
    std::fprintf(stderr, "fake_bench: %s returned %d\n", what, rc);
    std::exit(1);
}

// Tells the compiler that memory may have changed, so it cannot prove a
// call repeats the previous one and drop it (clang++ did that to the
// destroy_missing loop, which leaves the fake unchanged).
inline void clobber_memory() { asm volatile("" : : : "memory"); }

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
    uapikit::fake::host h;
    const int fd = h.open_iommufd();
    if (fd < 0) fail("open_iommufd", fd);

    // (a) The shortest path through the dispatcher that reaches a handler.
    const result missing = measure(seconds, 1, [&] {
        abi::iommu_destroy cmd{sizeof cmd, 0xffff};
        if (int rc = h.ioctl(fd, abi::IOMMU_DESTROY, &cmd); rc != -ENOENT) fail("IOMMU_DESTROY (fake)", rc);
    });

    // (b) Set up once what a vIOMMU needs: IOAS, mock device, nest-parent HWPT.
    abi::iommu_ioas_alloc ioas{sizeof ioas, 0, 0};
    if (int rc = h.ioctl(fd, abi::IOMMU_IOAS_ALLOC, &ioas)) fail("IOMMU_IOAS_ALLOC", rc);
    abi::iommu_test_cmd mock{};
    mock.size = sizeof mock;
    mock.op = abi::IOMMU_TEST_OP_MOCK_DOMAIN;
    mock.id = ioas.out_ioas_id;
    if (int rc = h.ioctl(fd, abi::IOMMU_TEST_CMD, &mock)) fail("IOMMU_TEST_CMD", rc);
    abi::iommu_hwpt_alloc hwpt{};
    hwpt.size = sizeof hwpt;
    hwpt.flags = abi::IOMMU_HWPT_ALLOC_NEST_PARENT;
    hwpt.dev_id = mock.mock_domain.out_idev_id;
    hwpt.pt_id = ioas.out_ioas_id;
    if (int rc = h.ioctl(fd, abi::IOMMU_HWPT_ALLOC, &hwpt)) fail("IOMMU_HWPT_ALLOC", rc);

    const result pair = measure(seconds, 2, [&] {
        abi::iommu_viommu_alloc v{};
        v.size = sizeof v;
        v.type = abi::IOMMU_VIOMMU_TYPE_SELFTEST;
        v.dev_id = mock.mock_domain.out_idev_id;
        v.hwpt_id = hwpt.out_hwpt_id;
        if (int rc = h.ioctl(fd, abi::IOMMU_VIOMMU_ALLOC, &v)) fail("IOMMU_VIOMMU_ALLOC", rc);
        abi::iommu_destroy d{sizeof d, v.out_viommu_id};
        if (int rc = h.ioctl(fd, abi::IOMMU_DESTROY, &d)) fail("IOMMU_DESTROY (vIOMMU)", rc);
    });

    // (c) The cheapest real ioctl(2): the kernel rejects it at the fd's file
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
    print("syscall", sys);
    std::printf("syscall_ns / fake_ns per call: destroy_missing %.1fx, viommu_pair %.1fx (one syscall / a whole pair: %.1fx)\n",
                sys.ns_per_call() / missing.ns_per_call(), sys.ns_per_call() / pair.ns_per_call(),
                sys.ns_per_call() / (2 * pair.ns_per_call()));
    h.close(fd);
    return 0;
}
