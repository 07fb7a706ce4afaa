// IOMMU_IOAS_* and the IOVA-space work behind them (Linux 6.12
// drivers/iommu/iommufd/ioas.c and io_pagetable.c; IOAS_MAP_FILE and
// IOAS_CHANGE_PROCESS as in mainline). Checks run in the kernel's order.
//
// One deliberate difference: IOMMU_IOAS_UNMAP of a range that cuts an area
// fails before anything is unmapped. The kernel unmaps the areas before
// the cut one and then fails; the fake keeps its rule that a failed call
// changes nothing (docs/fake-semantics.md).
#pragma once

#include <uapikit/fake/caller_fds.hpp>
#include <uapikit/fake/drivers.hpp>
#include <uapikit/fake/iommufd_private.hpp>

#include <fcntl.h>
#include <span>
#include <unistd.h>

namespace uapikit::fake {

inline void ioas_destroy(iommufd_ctx& ictx, platform& plat, ioas_object& ioas) {
    uint64_t unmapped = 0;
    iopt_unmap_iova_range(ictx, plat, ioas, 0, ULONG_MAX, &unmapped);
    ioas.iopt.unreserve(nullptr);  // the selftest's ADD_RESERVED ranges
}

inline int ioas_alloc_ioctl(ucmd& u, abi::iommu_ioas_alloc& cmd) {
    if (cmd.flags) return -EOPNOTSUPP;
    uint32_t id = u.objects().alloc<ioas_object>().id;
    u.objects().publish(id);
    cmd.out_ioas_id = id;
    return u.respond();
}

inline int ioas_iova_ranges(ucmd& u, abi::iommu_ioas_iova_ranges& cmd) {
    if (cmd.__reserved) return -EOPNOTSUPP;
    ioas_object* ioas = get_ioas(u.ictx, cmd.ioas_id);
    if (!ioas) return -ENOENT;
    const uint32_t max = cmd.num_iovas;
    uint32_t n = 0;
    for (const auto& hole : ioas->iopt.holes()) {
        if (n < max) {
            abi::iommu_iova_range elm{};
            elm.start = hole.start;
            elm.last = hole.last;
            if (u.user.copy_to(cmd.allowed_iovas + uint64_t{n} * sizeof elm, &elm, sizeof elm) < 0) return -EFAULT;
        }
        ++n;
    }
    // The counts go back even when the array was too small.
    cmd.num_iovas = n;
    cmd.out_iova_alignment = ioas->iopt.iova_alignment;
    u.respond();
    return n > max ? -EMSGSIZE : 0;
}

inline int ioas_allow_iovas(ucmd& u, abi::iommu_ioas_allow_iovas& cmd) {
    if (cmd.__reserved) return -EOPNOTSUPP;
    ioas_object* ioas = get_ioas(u.ictx, cmd.ioas_id);
    if (!ioas) return -ENOENT;
    std::vector<iova_interval> ranges;
    for (uint32_t i = 0; i < cmd.num_iovas; ++i) {
        abi::iommu_iova_range r{};
        if (u.user.copy_from(&r, cmd.allowed_iovas + uint64_t{i} * sizeof r, sizeof r) < 0) return -EFAULT;
        if (r.start >= r.last) return -EINVAL;
        for (const auto& o : ranges)
            if (o.start <= r.last && r.start <= o.last) return -EINVAL;
        ranges.push_back({r.start, r.last});
    }
    // No reserved IOVA may fall inside the new allowed ranges.
    for (const auto& r : ranges)
        if (ioas->iopt.reserved_in(r.start, r.last)) return -EADDRINUSE;
    std::sort(ranges.begin(), ranges.end(), [](auto a, auto b) { return a.start < b.start; });
    ioas->iopt.allowed = std::move(ranges);
    return 0;
}

// IOMMU_READ/IOMMU_WRITE from IOMMU_IOAS_MAP_* flags (conv_iommu_prot).
inline int iommu_prot_of(uint32_t flags) {
    return (flags & abi::IOMMU_IOAS_MAP_WRITEABLE ? iommu_write : 0) |
           (flags & abi::IOMMU_IOAS_MAP_READABLE ? iommu_read : 0);
}

// One piece of memory to map: a slice of an iopt_pages.
struct pages_slice {
    pages_ref pages;
    uint64_t start_byte;
    uint64_t length;
};

// iopt_map_pages(): places the slices at *iova (or an allocated IOVA),
// one area each, pinned and mapped into the table's domains; all or none.
// A map of new pages passes one slice as a span of static extent 1, so the
// compiler drops the loops for the most frequent call. Inlined by force
// (io_pagetable::check_iova() says why).
template <std::size_t Extent>
[[gnu::always_inline]] inline int iopt_map_pages(platform& plat, io_pagetable& iopt, std::span<pages_slice, Extent> list,
                                                uint64_t length, uint64_t* iova, int prot, bool alloc_iova) {
    if ((length & (iopt.iova_alignment - 1)) || !length) return -EINVAL;
    io_pagetable::area_iterator it;  // where the first new area goes
    if (alloc_iova) {
        const iopt_pages& first = *list.front().pages;
        uint64_t source = (first.from_file() ? first.file_start : first.uptr) + list.front().start_byte;
        if (int rc = iopt.alloc_iova(source, length, iova); rc < 0) return rc;
        it = iopt.lower_bound(*iova);
    } else if (int rc = iopt.check_iova(*iova, length, &it); rc < 0) {
        return rc;
    }
    for (uint64_t at = *iova; const auto& s : list) {
        if ((prot & iommu_write) && !s.pages->writable) return -EPERM;
        if ((s.start_byte % page_size) & (iopt.iova_alignment - 1)) return -EINVAL;
        if (at + (s.length - 1) < at) return -EOVERFLOW;
        at += s.length;
    }
    // The pages each slice covers.
    auto span_of = [](const pages_slice& s) {
        return page_range{s.start_byte / page_size, (s.start_byte + s.length - 1) / page_size};
    };
    // Pin for the domains, all or none, then publish.
    const bool filled = !iopt.domains.empty();
    if (filled) {
        for (std::size_t i = 0; i < list.size(); ++i)
            if (int rc = plat.pins.hold(*list[i].pages, span_of(list[i])); rc < 0) {
                for (std::size_t j = 0; j < i; ++j) plat.pins.release(*list[j].pages, span_of(list[j]));
                return rc;
            }
    }
    // The new areas go in order from `it`; each is made in its place in the
    // array rather than moved there.
    for (uint64_t at = *iova; auto& s : list) {
        if (it == iopt.areas.end()) {
            // Past the last area, the most frequent place: emplace_back()
            // skips emplace()'s generic insert, 27 instructions of a map
            // and unmap pair with g++ (bench/fake_instructions.sh).
            iopt.areas.emplace_back();
            it = std::prev(iopt.areas.end());
        } else {
            it = iopt.areas.emplace(it);
        }
        it->iova = at;
        it->last = at + (s.length - 1);
        it->pages = std::move(s.pages);
        it->start_byte = s.start_byte;
        it->prot = prot;
        it->filled = filled;
        at += s.length;
        for (paging_domain* d : iopt.domains) d->map(it->iova, it->last, it->pages.get(), it->start_byte);
        ++it;
    }
    return 0;
}

// The IOAS_MAP / IOAS_MAP_FILE flags and sizes every map checks first.
inline int map_flags_check(uint32_t flags, uint64_t iova, uint64_t length) {
    const uint32_t known = abi::IOMMU_IOAS_MAP_FIXED_IOVA | abi::IOMMU_IOAS_MAP_WRITEABLE | abi::IOMMU_IOAS_MAP_READABLE;
    if (flags & ~known) return -EOPNOTSUPP;
    if (iova >= ULONG_MAX || length >= ULONG_MAX) return -EOVERFLOW;
    if (!(flags & (abi::IOMMU_IOAS_MAP_WRITEABLE | abi::IOMMU_IOAS_MAP_READABLE))) return -EINVAL;
    return 0;
}

// iopt_alloc_pages(): the size checks of a new iopt_pages.
inline int pages_size_check(uint64_t start, uint64_t length) {
    if (length > SIZE_MAX - page_size || length == 0) return -EINVAL;
    if (start + length < start) return -EOVERFLOW;
    return 0;
}

// iopt_alloc_user_pages(): pages of the caller's memory [va, va + length),
// charged to the user or the process as the context's accounting says.
inline pages_ref user_pages(ucmd& u, uint64_t va, uint64_t length, bool writable) {
    pages_ref pages = make_pages(u.plat.pins);
    iopt_pages& p = *pages;
    p.mm = u.user.mm();
    p.uptr = va & ~(page_size - 1);
    p.npages = (length + (va - p.uptr) + page_size - 1) / page_size;
    p.writable = writable;
    p.account_mm = u.ictx.accounting == account_mode::mm;
    return pages;
}

// The end of IOMMU_IOAS_MAP and IOMMU_IOAS_MAP_FILE: new pages mapped from
// byte `offset` at the command's IOVA, fixed or allocated, and the IOVA
// answered.
template <typename Cmd>
[[gnu::always_inline]] inline int map_new_pages(ucmd& u, ioas_object& ioas, pages_ref&& pages, uint64_t offset, Cmd& cmd) {
    pages_slice list[] = {{std::move(pages), offset, cmd.length}};
    uint64_t iova = cmd.iova;
    if (int rc = iopt_map_pages(u.plat, ioas.iopt, std::span(list), cmd.length, &iova, iommu_prot_of(cmd.flags),
                                !(cmd.flags & abi::IOMMU_IOAS_MAP_FIXED_IOVA));
        rc < 0)
        return rc;
    cmd.iova = iova;
    return u.respond();
}

inline int ioas_map(ucmd& u, abi::iommu_ioas_map& cmd) {
    if (cmd.__reserved) return -EOPNOTSUPP;  // the same check as unknown flags
    if (int rc = map_flags_check(cmd.flags, cmd.iova, cmd.length); rc < 0) return rc;
    ioas_object* ioas = get_ioas(u.ictx, cmd.ioas_id);
    if (!ioas) return -ENOENT;
    if (int rc = pages_size_check(cmd.user_va, cmd.length); rc < 0) return rc;
    pages_ref pages = user_pages(u, cmd.user_va, cmd.length, cmd.flags & abi::IOMMU_IOAS_MAP_WRITEABLE);
    return map_new_pages(u, *ioas, std::move(pages), cmd.user_va % page_size, cmd);
}

inline int ioas_map_file(ucmd& u, abi::iommu_ioas_map_file& cmd) {
    if (int rc = map_flags_check(cmd.flags, cmd.iova, cmd.length); rc < 0) return rc;
    ioas_object* ioas = get_ioas(u.ictx, cmd.ioas_id);
    if (!ioas) return -ENOENT;
    int held = grab_caller_fd(u.user, cmd.fd);
    if (held < 0) return -EBADF;
    const bool writable = cmd.flags & abi::IOMMU_IOAS_MAP_WRITEABLE;
    int mode = ::fcntl(held, F_GETFL);
    if (writable && (mode & O_ACCMODE) == O_RDONLY) {
        ::close(held);
        return -EPERM;
    }
    if (int rc = pages_size_check(cmd.start, cmd.length); rc < 0) {
        ::close(held);
        return rc;
    }
    pages_ref pages = make_pages(u.plat.pins);
    iopt_pages& p = *pages;
    p.mm = u.user.mm();
    p.file_fd = held;  // the pages close it when they go
    p.file_start = cmd.start & ~(page_size - 1);
    p.npages = (cmd.length + (cmd.start - p.file_start) + page_size - 1) / page_size;
    p.writable = writable;
    p.account_mm = u.ictx.accounting == account_mode::mm;
    return map_new_pages(u, *ioas, std::move(pages), cmd.start % page_size, cmd);
}

// iopt_get_pages(): the slices of memory under [iova, iova + length), or
// ENOENT when areas do not cover it without a hole.
inline int iopt_get_pages(io_pagetable& iopt, uint64_t iova, uint64_t length, std::vector<pages_slice>* out) {
    if (!length) return -EINVAL;
    uint64_t last = iova + (length - 1);
    if (last < iova) return -EOVERFLOW;
    return iopt.for_each_contig(iova, last, [&](iopt_area& a, uint64_t from, uint64_t to) {
        out->push_back({a.pages, a.byte_at(from), to - from + 1});
        return 0;
    });
}

// The selftest's syzkaller mode: an IOVA given as {nth area, offset}
// (selftest.c __iommufd_test_syz_conv_iova).
inline uint64_t syz_conv_iova(io_pagetable& iopt, uint64_t iova) {
    uint32_t nth = static_cast<uint32_t>(iova), offset = static_cast<uint32_t>(iova >> 32);
    for (const auto& a : iopt.areas) {
        if (nth == 0) return a.iova + offset;
        --nth;
    }
    return 0;
}

inline int ioas_copy(ucmd& u, abi::iommu_ioas_copy& cmd) {
    uint32_t flags = cmd.flags;
    uint64_t src_iova = cmd.src_iova;
    if (flags & abi::MOCK_FLAGS_ACCESS_SYZ) {
        flags &= ~static_cast<uint32_t>(abi::MOCK_FLAGS_ACCESS_SYZ);
        if (ioas_object* src = get_ioas(u.ictx, cmd.src_ioas_id)) src_iova = syz_conv_iova(src->iopt, src_iova);
    }
    const uint32_t known = abi::IOMMU_IOAS_MAP_FIXED_IOVA | abi::IOMMU_IOAS_MAP_WRITEABLE | abi::IOMMU_IOAS_MAP_READABLE;
    if (flags & ~known) return -EOPNOTSUPP;
    if (cmd.length >= ULONG_MAX || src_iova >= ULONG_MAX || cmd.dst_iova >= ULONG_MAX) return -EOVERFLOW;
    if (!(flags & (abi::IOMMU_IOAS_MAP_WRITEABLE | abi::IOMMU_IOAS_MAP_READABLE))) return -EINVAL;
    ioas_object* src = get_ioas(u.ictx, cmd.src_ioas_id);
    if (!src) return -ENOENT;
    std::vector<pages_slice> list;
    if (int rc = iopt_get_pages(src->iopt, src_iova, cmd.length, &list); rc < 0) return rc;
    ioas_object* dst = get_ioas(u.ictx, cmd.dst_ioas_id);
    if (!dst) return -ENOENT;
    uint64_t iova = cmd.dst_iova;
    if (int rc = iopt_map_pages(u.plat, dst->iopt, std::span(list), cmd.length, &iova, iommu_prot_of(flags),
                                !(flags & abi::IOMMU_IOAS_MAP_FIXED_IOVA));
        rc < 0)
        return rc;
    cmd.dst_iova = iova;
    return u.respond();
}

// The accesses pinning areas of [first, end) let go of what they pin
// there (telling them changes no area); -EDEADLOCK if one does not. Out of
// line: an unmap without accesses, the frequent one, keeps its registers.
[[gnu::noinline]] inline int iopt_notify_accesses(iommufd_ctx& ictx, platform& plat, ioas_object& ioas,
                                                  io_pagetable::area_iterator first, io_pagetable::area_iterator end) {
    for (auto it = first; it != end; ++it) {
        const iopt_area& a = *it;
        if (!a.num_accesses) continue;
        access_notify_unmap(ictx, plat, ioas, a.iova, a.length());
        if (a.num_accesses) return -EDEADLOCK;
    }
    return 0;
}

// Every area inside [start, last] goes; an area that sticks out of the
// range is ENOENT. Accesses pinning an area are told to let go first, as
// the kernel notifies them.
inline int iopt_unmap_iova_range(iommufd_ctx& ictx, platform& plat, ioas_object& ioas, uint64_t start, uint64_t last,
                                 uint64_t* unmapped) {
    io_pagetable& iopt = ioas.iopt;
    // Every area the range touches must lie inside it, before any goes.
    auto first = iopt.areas_from(start);
    auto end = first;
    uint64_t bytes = 0;
    bool pinned = false;  // by an access
    for (; end != iopt.areas.end() && end->iova <= last; ++end) {
        const iopt_area& a = *end;
        if (a.num_locks) return -EBUSY;  // mainline: a HW queue holds it
        if (a.iova < start || a.last > last) return -ENOENT;
        bytes += a.length();
        pinned |= a.num_accesses != 0;
    }
    if (pinned)
        if (int rc = iopt_notify_accesses(ictx, plat, ioas, first, end); rc < 0) return rc;
    iopt.remove_areas(plat.pins, first, end);
    *unmapped = bytes;
    return 0;
}

inline int ioas_unmap(ucmd& u, abi::iommu_ioas_unmap& cmd) {
    ioas_object* ioas = get_ioas(u.ictx, cmd.ioas_id);
    if (!ioas) return -ENOENT;
    uint64_t unmapped = 0;
    if (cmd.iova == 0 && cmd.length == UINT64_MAX) {
        if (int rc = iopt_unmap_iova_range(u.ictx, u.plat, *ioas, 0, ULONG_MAX, &unmapped); rc < 0) return rc;
    } else {
        if (cmd.iova >= ULONG_MAX || cmd.length >= ULONG_MAX) return -EOVERFLOW;
        if (!cmd.length) return -EINVAL;
        uint64_t last = cmd.iova + (cmd.length - 1);
        if (last < cmd.iova) return -EOVERFLOW;
        if (int rc = iopt_unmap_iova_range(u.ictx, u.plat, *ioas, cmd.iova, last, &unmapped); rc < 0) return rc;
        if (!unmapped) return -ENOENT;
    }
    cmd.length = unmapped;
    return u.respond();
}

// ---- domains and alignment (io_pagetable.c) ---------------------------------

// The largest IO page of the domains and accesses, PAGE_SIZE when large
// pages are off. With `check`, a raise that existing areas do not meet is
// EADDRINUSE and changes nothing.
inline int iopt_calculate_iova_alignment(iommufd_ctx& ictx, ioas_object& ioas, bool check) {
    io_pagetable& iopt = ioas.iopt;
    uint64_t alignment = iopt.disable_large_pages ? page_size : 1;
    for (const paging_domain* d : iopt.domains) alignment = std::max(alignment, d->io_page);
    for (uint32_t id : iopt.accesses)
        if (const auto* acc = ictx.objects.get<access_object>(id); acc && acc->needs_pin)
            alignment = std::max(alignment, page_size);
    if (check && alignment > iopt.iova_alignment && !iopt.areas_aligned_to(alignment)) return -EADDRINUSE;
    iopt.iova_alignment = alignment;
    return 0;
}

// iopt_table_add_domain(): the domain's IO page raises the alignment, its
// aperture becomes reserved IOVA, and every area is mapped into it.
inline int iopt_table_add_domain(iommufd_ctx&, platform& plat, ioas_object& ioas, paging_domain& d) {
    io_pagetable& iopt = ioas.iopt;
    const uint64_t alignment = std::max(d.io_page, iopt.iova_alignment);
    if (alignment > page_size) return -EINVAL;
    if (alignment != iopt.iova_alignment && !iopt.areas_aligned_to(alignment)) return -EADDRINUSE;
    // No area and no allowed range may fall outside the aperture.
    if (d.aperture_start != 0 && (iopt.first_area(0, d.aperture_start - 1) || iopt.allowed_in(0, d.aperture_start - 1)))
        return -EADDRINUSE;
    if (d.aperture_last != ULONG_MAX &&
        (iopt.first_area(d.aperture_last + 1, ULONG_MAX) || iopt.allowed_in(d.aperture_last + 1, ULONG_MAX)))
        return -EADDRINUSE;
    if (iopt.domains.empty())
        if (int rc = iopt.fill_all(plat.pins); rc < 0) return rc;
    if (d.aperture_start != 0) iopt.reserved.push_back({{0, d.aperture_start - 1}, &d});
    if (d.aperture_last != ULONG_MAX) iopt.reserved.push_back({{d.aperture_last + 1, ULONG_MAX}, &d});
    iopt.iova_alignment = alignment;
    iopt.map_all_into(d);
    iopt.domains.push_back(&d);
    return 0;
}

inline void iopt_table_remove_domain(iommufd_ctx& ictx, platform& plat, ioas_object& ioas, paging_domain& d) {
    io_pagetable& iopt = ioas.iopt;
    std::erase(iopt.domains, &d);
    for (const auto& a : iopt.areas) d.unmap(a.iova);
    if (iopt.domains.empty()) iopt.unfill_all(plat.pins);
    iopt.unreserve(&d);
    iopt_calculate_iova_alignment(ictx, ioas, false);
}

// ---- IOMMU_OPTION ------------------------------------------------------------

inline int iommufd_option_rlimit_mode(ucmd& u, abi::iommu_option& cmd) {
    if (cmd.object_id) return -EOPNOTSUPP;
    if (cmd.op == abi::IOMMU_OPTION_OP_GET) {
        cmd.val64 = u.ictx.accounting == account_mode::mm;
        return 0;
    }
    if (cmd.op != abi::IOMMU_OPTION_OP_SET) return -EOPNOTSUPP;
    if (!u.plat.sys_resource) return -EPERM;
    if (!u.objects().empty()) return -EBUSY;
    if (cmd.val64 > 1) return -EINVAL;
    u.ictx.accounting = cmd.val64 ? account_mode::mm : account_mode::user;
    return 0;
}

inline int iommufd_ioas_option(ucmd& u, abi::iommu_option& cmd) {
    ioas_object* ioas = get_ioas(u.ictx, cmd.object_id);
    if (!ioas) return -ENOENT;
    io_pagetable& iopt = ioas->iopt;
    if (cmd.op == abi::IOMMU_OPTION_OP_GET) {
        cmd.val64 = !iopt.disable_large_pages;
        return 0;
    }
    if (cmd.op != abi::IOMMU_OPTION_OP_SET) return -EOPNOTSUPP;
    if (cmd.val64 == 1) {
        iopt.disable_large_pages = false;
        return iopt_calculate_iova_alignment(u.ictx, *ioas, false);
    }
    if (cmd.val64 != 0) return -EINVAL;
    if (iopt.disable_large_pages) return 0;
    // Not once domains have pages mapped in them.
    if (!iopt.domains.empty() && !iopt.areas.empty()) return -EINVAL;
    iopt.disable_large_pages = true;
    if (int rc = iopt_calculate_iova_alignment(u.ictx, *ioas, true); rc < 0) {
        iopt.disable_large_pages = false;
        return rc;
    }
    return 0;
}

// ---- IOMMU_IOAS_CHANGE_PROCESS (mainline) ---------------------------------------

// Moves the pinned-page charges of every map to the calling process. Only
// maps of files can move (EINVAL otherwise); on failure nothing moves.
inline int ioas_change_process(ucmd& u, abi::iommu_ioas_change_process& cmd) {
    if (cmd.__reserved) return -EOPNOTSUPP;
    std::vector<iopt_pages*> pages;
    bool all_files = true;
    u.objects().for_each([&](uint32_t id, const object_table::slot& s) {
        if (const auto* ioas = std::get_if<ioas_object>(&s.obj); ioas && u.objects().published(id))
            for (const auto& a : ioas->iopt.areas) {
                if (!a.pages->from_file()) all_files = false;
                if (std::find(pages.begin(), pages.end(), a.pages.get()) == pages.end()) pages.push_back(a.pages.get());
            }
    });
    if (!all_files) return -EINVAL;
    if (int rc = u.plat.pins.move_charges(pages, u.user.mm()); rc < 0) return rc;
    return 0;
}

}  // namespace uapikit::fake
