// How the memory behind pages is backed, as far as an IOMMU driver sees
// it: the size of the physically contiguous, naturally aligned chunks it
// comes in. A hugetlb page is one such chunk (its physical address is
// aligned to its size); ordinary pages are taken one by one, as the fake
// cannot know where two of them happen to be adjacent. The iommu core maps
// a contiguous run with the largest IO page that fits it and both addresses
// (iommu_pgsize() in Linux 6.12 drivers/iommu/iommu.c), so this decides where
// the selftest's mock maps its huge IO pages (MOCK_FLAGS_DEVICE_HUGE_IOVA).
#pragma once

#include <uapikit/fake/pages.hpp>

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <sys/vfs.h>

namespace uapikit::fake {

// hugetlbfs's f_type (linux/magic.h HUGETLBFS_MAGIC).
inline constexpr long hugetlbfs_magic = 0x958458f6;

// The page size of the mappings of process `pid` (0: this one) over
// [addr, addr + length): the KernelPageSize its /proc/<pid>/smaps gives,
// in bytes, when every byte lies in mappings of one such size; page_size
// otherwise, and when the file cannot be read (the process has gone).
inline uint64_t mapping_page_size(pid_t pid, uint64_t addr, uint64_t length) {
    const std::string path = pid ? "/proc/" + std::to_string(pid) + "/smaps" : "/proc/self/smaps";
    std::FILE* f = std::fopen(path.c_str(), "re");
    if (!f) return page_size;
    const uint64_t end = addr + length;
    uint64_t covered = addr;  // bytes below this are in mappings seen so far
    uint64_t size = 0;        // their common page size
    bool overlaps = false, mixed = false;
    char line[512];
    bool at_start = true;  // `line` begins a line (a longer one comes in pieces)
    while (std::fgets(line, sizeof line, f)) {
        const bool begins = at_start;
        at_start = std::strchr(line, '\n') != nullptr;
        if (!begins) continue;  // the rest of a long mapping line: its path
        uint64_t lo = 0, hi = 0, kb = 0;
        if (std::sscanf(line, "%" SCNx64 "-%" SCNx64 " ", &lo, &hi) == 2) {
            overlaps = lo < end && addr < hi;
            if (overlaps) {
                if (lo > covered) mixed = true;  // a hole in the range
                covered = hi;
            }
        } else if (overlaps && std::sscanf(line, "KernelPageSize: %" SCNu64 " kB", &kb) == 1) {
            if (size && size != kb * 1024) mixed = true;
            size = kb * 1024;
        }
    }
    std::fclose(f);
    return mixed || covered < end || !size ? page_size : size;
}

// The size of the contiguous chunks behind pages: a hugetlbfs file's
// huge page, or the page size of the process mappings they were taken from.
inline uint64_t backing_bytes(const iopt_pages& p) {
    if (p.from_file()) {
        struct statfs fs {};
        if (::fstatfs(p.file_fd, &fs) != 0 || fs.f_type != hugetlbfs_magic || fs.f_bsize <= 0) return page_size;
        return static_cast<uint64_t>(fs.f_bsize);
    }
    return mapping_page_size(p.mm.pid, p.uptr, p.npages * page_size);
}

// backing_bytes(), asked once per pages and kept in them: the memory stays
// what it was while a domain maps it (the kernel holds it pinned), even if
// the process unmaps its side, and smaps is not read again for every
// domain or area that maps the same pages.
inline uint64_t contiguous_bytes(const iopt_pages& p) {
    if (!p.contig) p.contig = backing_bytes(p);
    return p.contig;
}

}  // namespace uapikit::fake
