// Instructions per call pair through the fake, for callgrind: a count that
// does not depend on how busy the machine is, unlike bench/fake_bench.cpp's
// times. Runs N pairs of one loop after the same set-up as fake_bench:
//   map     IOMMU_IOAS_MAP of one 4 KiB page at a fixed IOVA + IOMMU_IOAS_UNMAP
//           of it, on an IOAS without a domain
//   viommu  IOMMU_VIOMMU_ALLOC (selftest type) + IOMMU_DESTROY of it
// bench/fake_instructions.sh runs it with N and with 0 and divides the
// difference by N, so the set-up drops out.
//
//   fake_instructions map|viommu N
#include <uapikit/fake/host.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sys/mman.h>

namespace {

namespace abi = uapikit::raw::proposed;

[[noreturn]] void fail(const char* what, int rc) {
    std::fprintf(stderr, "fake_instructions: %s returned %d\n", what, rc);
    std::exit(1);
}

// As in fake_bench.cpp: the compiler may not assume memory is unchanged.
inline void clobber_memory() { asm volatile("" : : : "memory"); }

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3 || (std::strcmp(argv[1], "map") != 0 && std::strcmp(argv[1], "viommu") != 0)) {
        std::fprintf(stderr, "usage: fake_instructions map|viommu N\n");
        return 2;
    }
    const bool map = std::strcmp(argv[1], "map") == 0;
    const long n = std::atol(argv[2]);
    uapikit::fake::host h;
    const int fd = h.open_iommufd();
    if (fd < 0) fail("open_iommufd", fd);
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
    abi::iommu_ioas_alloc bare{sizeof bare, 0, 0};
    if (int rc = h.ioctl(fd, abi::IOMMU_IOAS_ALLOC, &bare)) fail("IOMMU_IOAS_ALLOC", rc);
    void* page = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) fail("mmap", -errno);

    for (long i = 0; i < n; ++i) {
        if (map) {
            abi::iommu_ioas_map m{};
            m.size = sizeof m;
            m.flags = abi::IOMMU_IOAS_MAP_FIXED_IOVA | abi::IOMMU_IOAS_MAP_READABLE | abi::IOMMU_IOAS_MAP_WRITEABLE;
            m.ioas_id = bare.out_ioas_id;
            m.user_va = reinterpret_cast<uintptr_t>(page);
            m.length = 4096;
            m.iova = 0x100000;
            if (int rc = h.ioctl(fd, abi::IOMMU_IOAS_MAP, &m)) fail("IOMMU_IOAS_MAP", rc);
            clobber_memory();
            abi::iommu_ioas_unmap u{sizeof u, bare.out_ioas_id, 0x100000, 4096};
            if (int rc = h.ioctl(fd, abi::IOMMU_IOAS_UNMAP, &u)) fail("IOMMU_IOAS_UNMAP", rc);
        } else {
            abi::iommu_viommu_alloc v{};
            v.size = sizeof v;
            v.type = abi::IOMMU_VIOMMU_TYPE_SELFTEST;
            v.dev_id = mock.mock_domain.out_idev_id;
            v.hwpt_id = hwpt.out_hwpt_id;
            if (int rc = h.ioctl(fd, abi::IOMMU_VIOMMU_ALLOC, &v)) fail("IOMMU_VIOMMU_ALLOC", rc);
            clobber_memory();
            abi::iommu_destroy d{sizeof d, v.out_viommu_id};
            if (int rc = h.ioctl(fd, abi::IOMMU_DESTROY, &d)) fail("IOMMU_DESTROY", rc);
        }
        clobber_memory();
    }
    ::munmap(page, 4096);
    h.close(fd);
    return 0;
}
