// The set-up and the call pairs that bench/fake_bench.cpp times and
// bench/fake_instructions.cpp counts, so both measure the same calls.
#pragma once

#include <uapikit/fake/host.hpp>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sys/mman.h>

namespace fake_loops {

namespace abi = uapikit::raw::proposed;

[[noreturn]] inline void fail(const char* what, int rc) {
    std::fprintf(stderr, "fake benchmark: %s returned %d\n", what, rc);
    std::exit(1);
}

// Tells the compiler that memory may have changed, so it cannot prove a
// call repeats the previous one and drop it (clang++ did that to a loop of
// destroys of a missing id, which leave the fake unchanged).
inline void clobber_memory() { asm volatile("" : : : "memory"); }

// One iommufd with what a vIOMMU needs (an IOAS, a mock device attached to
// it, a nest-parent HWPT), a second IOAS without a domain, and one
// anonymous private page to map.
struct setup {
    uapikit::fake::host h;
    int fd = -1;
    abi::iommu_ioas_alloc ioas{sizeof ioas, 0, 0};
    abi::iommu_test_cmd mock{};
    abi::iommu_hwpt_alloc hwpt{};
    abi::iommu_ioas_alloc bare{sizeof bare, 0, 0};
    void* page = nullptr;

    setup() {
        fd = h.open_iommufd();
        if (fd < 0) fail("open_iommufd", fd);
        if (int rc = h.ioctl(fd, abi::IOMMU_IOAS_ALLOC, &ioas)) fail("IOMMU_IOAS_ALLOC", rc);
        mock.size = sizeof mock;
        mock.op = abi::IOMMU_TEST_OP_MOCK_DOMAIN;
        mock.id = ioas.out_ioas_id;
        if (int rc = h.ioctl(fd, abi::IOMMU_TEST_CMD, &mock)) fail("IOMMU_TEST_CMD", rc);
        hwpt.size = sizeof hwpt;
        hwpt.flags = abi::IOMMU_HWPT_ALLOC_NEST_PARENT;
        hwpt.dev_id = mock.mock_domain.out_idev_id;
        hwpt.pt_id = ioas.out_ioas_id;
        if (int rc = h.ioctl(fd, abi::IOMMU_HWPT_ALLOC, &hwpt)) fail("IOMMU_HWPT_ALLOC", rc);
        if (int rc = h.ioctl(fd, abi::IOMMU_IOAS_ALLOC, &bare)) fail("IOMMU_IOAS_ALLOC", rc);
        page = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (page == MAP_FAILED) fail("mmap", -errno);
    }
    ~setup() {
        ::munmap(page, 4096);
        h.close(fd);
    }
    setup(const setup&) = delete;
    setup& operator=(const setup&) = delete;

    // IOMMU_VIOMMU_ALLOC (selftest type, no data), then IOMMU_DESTROY of it.
    void viommu_pair() {
        abi::iommu_viommu_alloc v{};
        v.size = sizeof v;
        v.type = abi::IOMMU_VIOMMU_TYPE_SELFTEST;
        v.dev_id = mock.mock_domain.out_idev_id;
        v.hwpt_id = hwpt.out_hwpt_id;
        if (int rc = h.ioctl(fd, abi::IOMMU_VIOMMU_ALLOC, &v)) fail("IOMMU_VIOMMU_ALLOC", rc);
        abi::iommu_destroy d{sizeof d, v.out_viommu_id};
        if (int rc = h.ioctl(fd, abi::IOMMU_DESTROY, &d)) fail("IOMMU_DESTROY (vIOMMU)", rc);
    }

    // IOMMU_IOAS_MAP of the page at a fixed IOVA, then IOMMU_IOAS_UNMAP of it.
    void map_pair(uint32_t ioas_id, uint64_t iova) {
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
    }
};

}  // namespace fake_loops
