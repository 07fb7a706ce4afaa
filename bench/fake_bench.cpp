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
#include <uapikit/fake/host.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
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

    // (c) One page mapped and unmapped, without and with a domain to fill.
    void* page = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) fail("mmap", -errno);
    abi::iommu_ioas_alloc bare{sizeof bare, 0, 0};
    if (int rc = h.ioctl(fd, abi::IOMMU_IOAS_ALLOC, &bare)) fail("IOMMU_IOAS_ALLOC", rc);
    auto map_pair = [&](uint32_t ioas_id, uint64_t iova) {
        return [&h, fd, page, ioas_id, iova] {
            abi::iommu_ioas_map m{};
            m.size = sizeof m;
            m.flags = abi::IOMMU_IOAS_MAP_FIXED_IOVA | abi::IOMMU_IOAS_MAP_READABLE | abi::IOMMU_IOAS_MAP_WRITEABLE;
            m.ioas_id = ioas_id;
            m.user_va = reinterpret_cast<uintptr_t>(page);
            m.length = 4096;
            m.iova = iova;
            if (int rc = h.ioctl(fd, abi::IOMMU_IOAS_MAP, &m)) fail("IOMMU_IOAS_MAP", rc);
            abi::iommu_ioas_unmap u{sizeof u, ioas_id, iova, 4096};
            if (int rc = h.ioctl(fd, abi::IOMMU_IOAS_UNMAP, &u)) fail("IOMMU_IOAS_UNMAP", rc);
        };
    };
    const result map = measure(seconds, 2, map_pair(bare.out_ioas_id, 0x100000));
    const result map_domain = measure(seconds, 2, map_pair(ioas.out_ioas_id, abi::MOCK_APERTURE_START));
    ::munmap(page, 4096);

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
    h.close(fd);
    return 0;
}
