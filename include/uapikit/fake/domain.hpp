// A paging domain: what an IOMMU driver's iommu_domain holds for the fake.
// Each run maps a range of IOVA to the memory of an area; the dirty set is
// the IOMMU's dirty bits, which only the mock driver's IOMMU_TEST_OP_DIRTY
// sets (the fake has no DMA). The mock keeps its bits per 2 KiB IO page,
// indexed as the kernel's xarray of the mock domain is (iova / page size).
#pragma once

#include <uapikit/fake/page_backing.hpp>
#include <uapikit/fake/pages.hpp>

#include <bit>
#include <cstdint>
#include <map>
#include <set>

namespace uapikit::fake {

// The kinds of physical IOMMU the fake has drivers for.
enum class iommu_kind : uint8_t { arm_smmuv3, amd, selftest, intel_vtd };

struct paging_domain {
    int iommu = -1;  // the physical instance whose driver made it
    iommu_kind kind = iommu_kind::selftest;
    uint64_t io_page = page_size;  // smallest IO page size (1 << ffs(pgsize_bitmap))
    uint64_t pgsize_bitmap = page_size;  // every IO page size the domain maps with
    uint64_t aperture_start = 0, aperture_last = ~0ull;
    bool dirty_ops = false;       // allocated with IOMMU_HWPT_ALLOC_DIRTY_TRACKING
    bool dirty_tracking = false;  // tracking switched on
    bool huge_iova = false;       // mock device flag MOCK_FLAGS_DEVICE_HUGE_IOVA

    struct run {
        uint64_t last;
        const iopt_pages* pages;
        uint64_t start_byte;  // byte of `pages` at the run's first IOVA
    };
    std::map<uint64_t, run> runs;  // by first IOVA
    std::set<uint64_t> dirty;      // IO page indexes marked dirty

    // The largest IO page size: above io_page only for a domain that maps
    // with two sizes (the mock with MOCK_FLAGS_DEVICE_HUGE_IOVA).
    uint64_t huge_io_page() const { return std::bit_floor(pgsize_bitmap); }

    void map(uint64_t iova, uint64_t last, const iopt_pages* pages, uint64_t start_byte) {
        // Only a domain with a huge IO page asks how the memory is backed,
        // and it asks now, while the memory is there to look at.
        if (huge_io_page() > io_page) contiguous_bytes(*pages);
        runs.emplace(iova, run{last, pages, start_byte});
    }

    // The IO page that maps iova, as iommu_pgsize() chose it when the run
    // was mapped: the huge one where it lies inside the run and inside one
    // contiguous chunk of memory, with the IOVA and the memory's address
    // (or file offset) both aligned to it; io_page elsewhere. Returns its
    // size; *head is its first IOVA.
    uint64_t io_page_at(uint64_t iova, uint64_t* head) const {
        const uint64_t huge = huge_io_page();
        uint64_t first = 0;
        const run* r = huge > io_page ? lookup(iova, &first) : nullptr;
        if (r && contiguous_bytes(*r->pages) >= huge) {
            const uint64_t start = iova & ~(huge - 1);
            const uint64_t source = (r->pages->from_file() ? r->pages->file_start : r->pages->uptr) + r->start_byte;
            if (start >= first && r->last - start >= huge - 1 && ((source + (start - first)) & (huge - 1)) == 0) {
                *head = start;
                return huge;
            }
        }
        *head = iova & ~(io_page - 1);
        return io_page;
    }
    void unmap(uint64_t iova) {
        auto it = runs.find(iova);
        if (it == runs.end()) return;
        // Dirty bits of unmapped IOVA go with the mapping.
        dirty.erase(dirty.lower_bound(iova / io_page), dirty.upper_bound(it->second.last / io_page));
        runs.erase(it);
    }

    // The run that maps iova, or null.
    const run* lookup(uint64_t iova, uint64_t* first = nullptr) const {
        auto it = runs.upper_bound(iova);
        if (it == runs.begin()) return nullptr;
        --it;
        if (iova > it->second.last) return nullptr;
        if (first) *first = it->first;
        return &it->second;
    }
    bool mapped(uint64_t iova) const { return lookup(iova) != nullptr; }
};

}  // namespace uapikit::fake
