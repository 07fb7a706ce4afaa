// The IOVA space of an IOAS (Linux drivers/iommu/iommufd/io_pagetable.c):
// its areas, the allowed and reserved ranges, the domains it keeps filled,
// the accesses attached to it and the IOVA alignment they require.
//
// Operations check before they change anything, so a failure leaves the
// table as it was; where the kernel undoes partial work on error, the fake
// does the same work only once it cannot fail.
#pragma once

#include <uapikit/fake/domain.hpp>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

namespace uapikit::fake {

// IOMMU_READ / IOMMU_WRITE of an area.
inline constexpr int iommu_read = 1 << 0;
inline constexpr int iommu_write = 1 << 1;

// ALIGN_UP of start to alignment, keeping page_offset, then whether length
// bytes fit before last (the kernel's __alloc_iova_check_range).
inline bool io_pagetable_fits(uint64_t* start, uint64_t last, uint64_t length, uint64_t alignment, uint64_t page_offset) {
    uint64_t aligned = *start + (alignment - 1);
    if (aligned < *start) return false;
    aligned &= ~(alignment - 1);
    aligned |= page_offset;
    if (aligned >= last || last - aligned < length - 1) return false;
    *start = aligned;
    return true;
}

// An IOVA interval, inclusive.
struct iova_interval {
    uint64_t start, last;
};

struct iopt_area {
    uint64_t iova = 0, last = 0;
    pages_ref pages;
    uint64_t start_byte = 0;  // byte of `pages` at iova
    int prot = 0;
    uint32_t num_accesses = 0;  // access pins inside this area
    uint32_t num_locks = 0;     // of those, pins of internal accesses (HW queues): unmap -> EBUSY
    bool filled = false;        // its pages are held for the table's domains

    uint64_t length() const { return last - iova + 1; }
    uint64_t byte_at(uint64_t at) const { return start_byte + (at - iova); }
    page_range pages_of(uint64_t from, uint64_t to) const {
        return {byte_at(from) / page_size, byte_at(to) / page_size};
    }
    page_range span() const { return pages_of(iova, last); }
};

// Who reserved an IOVA range: the selftest (nobody), a domain's aperture,
// or a device's reserved regions.
struct reservation {
    iova_interval range;
    const void* owner;
};

class io_pagetable {
public:
    io_pagetable() = default;
    io_pagetable(const io_pagetable&) = delete;
    io_pagetable& operator=(const io_pagetable&) = delete;

    // Sorted by first IOVA, disjoint, in one array: a map and an unmap move
    // a few entries instead of allocating a node. Adding or removing an area
    // moves the others: pointers to areas do not outlive a change.
    std::vector<iopt_area> areas;
    std::vector<iova_interval> allowed;   // sorted, disjoint
    std::vector<reservation> reserved;
    std::vector<paging_domain*> domains;  // domains[0] holds the pins, as the kernel's storage domain
    std::vector<uint32_t> accesses;       // access objects attached (ids)
    uint64_t iova_alignment = 1;
    bool disable_large_pages = false;

    // ---- lookups ----------------------------------------------------------

    using area_iterator = std::vector<iopt_area>::iterator;

    // The first area starting at or after iova (lower_bound), or after it
    // (upper_bound).
    area_iterator lower_bound(uint64_t iova) {
        return std::lower_bound(areas.begin(), areas.end(), iova,
                                [](const iopt_area& a, uint64_t v) { return a.iova < v; });
    }
    area_iterator upper_bound(uint64_t iova) {
        return std::upper_bound(areas.begin(), areas.end(), iova,
                                [](uint64_t v, const iopt_area& a) { return v < a.iova; });
    }

    // The first area that ends at or after iova: the one holding it, or
    // else the next one (where an area starting at iova would go).
    area_iterator areas_from(uint64_t iova) {
        // The first area starting after iova. At or past the last area's
        // start that is end() without a search: mapping upward through the
        // IOVA space, or unmapping the highest area.
        auto it = areas.empty() || areas.back().iova <= iova ? areas.end() : upper_bound(iova);
        return it != areas.begin() && std::prev(it)->last >= iova ? std::prev(it) : it;
    }

    // The first area intersecting [start, last], or null.
    iopt_area* first_area(uint64_t start, uint64_t last) {
        auto it = areas_from(start);
        return it != areas.end() && it->iova <= last ? &*it : nullptr;
    }
    iopt_area* area_at(uint64_t iova) { return first_area(iova, iova); }

    bool reserved_in(uint64_t start, uint64_t last) const {
        for (const auto& r : reserved)
            if (r.range.start <= last && start <= r.range.last) return true;
        return false;
    }
    bool allowed_in(uint64_t start, uint64_t last) const {
        for (const auto& a : allowed)
            if (a.start <= last && start <= a.last) return true;
        return false;
    }

    // Calls f(area, from, to) for the areas covering [iova, last] in order;
    // -ENOENT if a hole breaks the range, else the first error f returns.
    template <typename F>
    int for_each_contig(uint64_t iova, uint64_t last, F f) {
        uint64_t cur = iova;
        while (true) {
            iopt_area* a = area_at(cur);
            if (!a || !a->pages) return -ENOENT;
            uint64_t to = std::min(last, a->last);
            if (int rc = f(*a, cur, to); rc < 0) return rc;
            if (to == last) return 0;
            cur = to + 1;
        }
    }

    // The gaps between reserved ranges within [0, ULONG_MAX], in order: the
    // usable IOVA IOMMU_IOAS_IOVA_RANGES reports.
    std::vector<iova_interval> holes() const {
        std::vector<iova_interval> used;
        for (const auto& r : reserved) used.push_back(r.range);
        std::sort(used.begin(), used.end(), [](auto a, auto b) { return a.start < b.start; });
        std::vector<iova_interval> out;
        uint64_t next = 0;
        bool done = false;
        for (const auto& u : used) {
            if (u.last < next) continue;
            if (u.start > next) out.push_back({next, u.start - 1});
            if (u.last == ULONG_MAX) {
                done = true;
                break;
            }
            next = std::max(next, u.last + 1);
        }
        if (!done) out.push_back({next, ULONG_MAX});
        return out;
    }

    // ---- IOVA allocation (iopt_alloc_iova, iopt_check_iova) ---------------

    // A free IOVA for length bytes of memory starting at uptr, or -errno.
    // Keeps the alignment present in uptr, as the kernel does for THPs.
    int alloc_iova(uint64_t uptr, uint64_t length, uint64_t* iova) const {
        if (length == 0 || length >= ULONG_MAX / 2) return -EOVERFLOW;
        uint64_t page_offset = uptr % page_size;
        uint64_t alignment = std::bit_ceil(length);
        if (uptr) alignment = std::min(alignment, uint64_t{1} << std::countr_zero(uptr));
        const uint64_t max_alignment = 2ull << 20;  // HPAGE_SIZE with transparent huge pages
        if (alignment >= max_alignment) alignment = max_alignment;
        if (alignment < iova_alignment) return -EINVAL;

        // The spans of the allowed ranges within [PAGE_SIZE, ULONG_MAX -
        // PAGE_SIZE]: ranges that touch or overlap make one span, as the
        // kernel's interval_tree_for_each_span() walks them.
        std::vector<iova_interval> windows;
        if (allowed.empty())
            windows.push_back({page_size, ULONG_MAX - page_size});
        else
            for (const auto& a : allowed) {
                uint64_t s = std::max(a.start, page_size), l = std::min(a.last, ULONG_MAX - page_size);
                if (s > l) continue;
                if (!windows.empty() && s <= windows.back().last + 1)
                    windows.back().last = std::max(windows.back().last, l);
                else
                    windows.push_back({s, l});
            }
        for (const auto& w : windows) {
            uint64_t start = w.start;
            if (!io_pagetable_fits(&start, w.last, length, alignment, page_offset)) continue;
            // The holes of reserved ranges and areas from the aligned start
            // to the window's end.
            std::vector<iova_interval> used;
            for (const auto& r : reserved)
                if (r.range.start <= w.last && start <= r.range.last) used.push_back(r.range);
            for (const auto& a : areas)
                if (a.iova <= w.last && start <= a.last) used.push_back({a.iova, a.last});
            std::sort(used.begin(), used.end(), [](auto a, auto b) { return a.start < b.start; });
            uint64_t hole = start;
            bool end_reached = false;
            auto try_hole = [&](uint64_t from, uint64_t to) {
                uint64_t s = from;
                if (io_pagetable_fits(&s, to, length, alignment, page_offset)) {
                    *iova = s;
                    return true;
                }
                return false;
            };
            for (const auto& u : used) {
                if (u.last < hole) continue;
                if (u.start > hole && try_hole(hole, u.start - 1)) return 0;
                if (u.last >= w.last) {
                    end_reached = true;
                    break;
                }
                hole = std::max(hole, u.last + 1);
            }
            if (!end_reached && try_hole(hole, w.last)) return 0;
        }
        return -ENOSPC;
    }

    // Whether length bytes at iova can be mapped; on success *where is
    // where an area starting at iova goes in `areas`. Inlined by force, as
    // are remove_areas() and, in ioas.hpp, iopt_map_pages() and
    // map_new_pages(): the compilers left some out of line, and forcing
    // them saves 78 of clang++'s 563 and 31 of g++'s 477 instructions per
    // map and unmap pair (bench/fake_instructions.sh).
    [[gnu::always_inline]] int check_iova(uint64_t iova, uint64_t length, area_iterator* where) {
        if (iova & (iova_alignment - 1)) return -EINVAL;
        uint64_t last = iova + (length - 1);
        if (last < iova) return -EOVERFLOW;
        if (reserved_in(iova, last)) return -EINVAL;
        // Past every area (an empty table, or mapping upward): the end,
        // without areas_from()'s call.
        if (areas.empty() || areas.back().last < iova) {
            *where = areas.end();
            return 0;
        }
        auto it = areas_from(iova);
        if (it != areas.end() && it->iova <= last) return -EEXIST;
        *where = it;
        return 0;
    }

    // ---- alignment (iopt_check_iova_alignment) ----------------------------

    bool areas_aligned_to(uint64_t alignment) const {
        const uint64_t mask = alignment - 1;
        for (const auto& a : areas)
            if ((a.iova & mask) || (a.length() & mask) || ((a.start_byte % page_size) & mask)) return false;
        return true;
    }

    // ---- reservations -----------------------------------------------------

    int reserve(uint64_t start, uint64_t last, const void* owner) {
        if (first_area(start, last) || allowed_in(start, last)) return -EADDRINUSE;
        reserved.push_back({{start, last}, owner});
        return 0;
    }
    void unreserve(const void* owner) {
        std::erase_if(reserved, [owner](const reservation& r) { return r.owner == owner; });
    }

    // ---- pins of areas for the domains ------------------------------------

    // Holds the pages of every area that is not held yet, or none of them.
    int fill_all(pin_registry& pins) {
        std::vector<iopt_area*> done;
        for (auto& a : areas) {
            if (a.filled || !a.pages) continue;
            if (int rc = pins.hold(*a.pages, a.span()); rc < 0) {
                for (iopt_area* d : done) {
                    pins.release(*d->pages, d->span());
                    d->filled = false;
                }
                return rc;
            }
            a.filled = true;
            done.push_back(&a);
        }
        return 0;
    }
    void unfill_all(pin_registry& pins) {
        for (auto& a : areas)
            if (a.filled) {
                pins.release(*a.pages, a.span());
                a.filled = false;
            }
    }

    // Maps every area into d (which holds nothing yet).
    void map_all_into(paging_domain& d) const {
        for (const auto& a : areas)
            if (a.pages) d.map(a.iova, a.last, a.pages.get(), a.start_byte);
    }

    // Inserts an area and fills it into the domains; nothing changes on error.
    int insert_area(pin_registry& pins, iopt_area a) {
        if (!domains.empty()) {
            if (int rc = pins.hold(*a.pages, a.span()); rc < 0) return rc;
            a.filled = true;
        }
        auto it = areas.insert(lower_bound(a.iova), std::move(a));
        for (paging_domain* d : domains) d->map(it->iova, it->last, it->pages.get(), it->start_byte);
        return 0;
    }

    // Removes the areas [first, end) from the domains and the table.
    [[gnu::always_inline]] void remove_areas(pin_registry& pins, area_iterator first, area_iterator end) {
        // Only areas of a table with domains are filled.
        for (auto it = first; !domains.empty() && it != end; ++it) {
            for (paging_domain* d : domains) d->unmap(it->iova);
            if (it->filled) pins.release(*it->pages, it->span());
        }
        // vector::erase(first, end), written out: both compilers inline
        // this where clang++ called erase's out-of-line body. Nothing to
        // move down when the range ends the array (unmapping the highest
        // areas), which saves std::move()'s count of the tail.
        auto kept_end = end == areas.end() ? first : std::move(end, areas.end(), first);
        while (areas.end() != kept_end) areas.pop_back();
    }
};

}  // namespace uapikit::fake
