// The VFIO type1 container ioctls that iommufd answers on /dev/iommu
// (Linux 6.12 drivers/iommu/iommufd/vfio_compat.c), on the context's
// compatibility IOAS, and IOMMU_VFIO_IOAS, which chooses that IOAS.
//
// The fake's kernel is built without CONFIG_VFIO_NOIOMMU, so
// VFIO_CHECK_EXTENSION(VFIO_NOIOMMU_IOMMU) is 0 and no context is ever in
// no-IOMMU mode.
#pragma once

#include <uapikit/fake/ioas.hpp>
#include <uapikit/fake/vfio_abi.hpp>

#include <cstddef>

namespace uapikit::fake {

inline ioas_object* compat_ioas(iommufd_ctx& ictx) {
    return ictx.vfio_ioas ? ictx.objects.get<ioas_object>(ictx.vfio_ioas) : nullptr;
}

inline int vfio_ioas(ucmd& u, abi::iommu_vfio_ioas& cmd) {
    if (cmd.__reserved) return -EOPNOTSUPP;
    switch (cmd.op) {
        case abi::IOMMU_VFIO_IOAS_GET:
            if (!compat_ioas(u.ictx)) return -ENODEV;
            cmd.ioas_id = u.ictx.vfio_ioas;
            return u.respond();
        case abi::IOMMU_VFIO_IOAS_SET:
            if (!get_ioas(u.ictx, cmd.ioas_id)) return -ENOENT;
            u.ictx.vfio_ioas = cmd.ioas_id;
            return 0;
        case abi::IOMMU_VFIO_IOAS_CLEAR:
            u.ictx.vfio_ioas = 0;
            return 0;
        default:
            return -EOPNOTSUPP;
    }
}

namespace vfio_compat {

inline int set_iommu(iommufd_ctx& ictx, unsigned long type) {
    if ((type != vfio::type1_iommu && type != vfio::type1v2_iommu) || ictx.no_iommu_mode) return -EINVAL;
    ioas_object* ioas = compat_ioas(ictx);
    if (!ioas) return -ENODEV;
    // Type1 may unmap inside a mapping: the kernel disables large pages.
    if (type == vfio::type1_iommu) {
        io_pagetable& iopt = ioas->iopt;
        if (iopt.disable_large_pages) return 0;
        if (!iopt.domains.empty() && !iopt.areas.empty()) return -EINVAL;
        iopt.disable_large_pages = true;
        if (int rc = iopt_calculate_iova_alignment(ictx, *ioas, true); rc < 0) {
            iopt.disable_large_pages = false;
            return rc;
        }
    }
    return 0;
}

inline int check_extension(iommufd_ctx& ictx, unsigned long type) {
    switch (type) {
        case vfio::type1_iommu:
        case vfio::type1v2_iommu:
        case vfio::unmap_all:
            return !ictx.no_iommu_mode;
        case vfio::dma_cc_iommu: {
            // 1 when every paging HWPT of the IOAS enforces cache coherency.
            // The fake's hardware IOMMUs do (their devices report
            // IOMMU_CAP_ENFORCE_CACHE_COHERENCY); the selftest's mock does not.
            ioas_object* ioas = compat_ioas(ictx);
            if (!ioas) return -ENODEV;
            for (uint32_t id : ioas->hwpts)
                if (ictx.objects.at_as<hwpt_paging_object>(id).domain->kind == iommu_kind::selftest) return 0;
            return 1;
        }
        default:
            return 0;
    }
}

inline int map_dma(ucmd& u, uint64_t arg) {
    const size_t minsz = offsetof(vfio::iommu_type1_dma_map, size) + sizeof(uint64_t);
    vfio::iommu_type1_dma_map map{};
    if (u.user.copy_from(&map, arg, minsz) < 0) return -EFAULT;
    if (map.argsz < minsz || (map.flags & ~(vfio::dma_map_flag_read | vfio::dma_map_flag_write))) return -EINVAL;
    ioas_object* ioas = compat_ioas(u.ictx);
    if (!ioas) return -ENODEV;
    const int prot = (map.flags & vfio::dma_map_flag_read ? iommu_read : 0) |
                     (map.flags & vfio::dma_map_flag_write ? iommu_write : 0);
    if (int rc = pages_size_check(map.vaddr, map.size); rc < 0) return rc;
    pages_slice list[] = {{user_pages(u, map.vaddr, map.size, prot & iommu_write), map.vaddr % page_size, map.size}};
    uint64_t iova = map.iova;
    return iopt_map_pages(u.plat, ioas->iopt, std::span(list), map.size, &iova, prot, false);
}

// iopt_area_split(): cuts the area holding `iova` so that `iova` is the
// last byte of one piece (type1 may unmap inside a mapping).
inline int cut_at(iommufd_ctx& ictx, io_pagetable& iopt, uint64_t iova) {
    iopt_area* a = iopt.area_at(iova);
    if (!a || iova == a->iova || iova == a->last) return 0;
    const uint64_t alignment = iopt.iova_alignment, next = iova + 1;
    if ((next & (alignment - 1)) || (a->byte_at(next) & (alignment - 1))) return -EINVAL;
    if (a->num_accesses) return -EINVAL;
    if (a->filled && !iopt.disable_large_pages) return -EINVAL;
    (void)ictx;
    iopt_area rhs = *a;
    rhs.iova = next;
    rhs.start_byte = a->byte_at(next);
    a->last = iova;
    for (paging_domain* d : iopt.domains) {
        d->unmap(a->iova);
        d->map(a->iova, a->last, a->pages.get(), a->start_byte);
        d->map(rhs.iova, rhs.last, rhs.pages.get(), rhs.start_byte);
    }
    // The pin stays one per page: the two pieces hold what the area held.
    if (a->filled) {
        auto& holders = a->pages->holders;
        for (auto& h : holders)
            if (h == page_range{a->byte_at(a->iova) / page_size, rhs.byte_at(rhs.last) / page_size}) {
                h = a->span();
                holders.push_back(rhs.span());
                break;
            }
    }
    iopt.areas.insert(iopt.lower_bound(rhs.iova), std::move(rhs));
    return 0;
}

inline int unmap_dma(ucmd& u, uint64_t arg) {
    const size_t minsz = offsetof(vfio::iommu_type1_dma_unmap, size) + sizeof(uint64_t);
    vfio::iommu_type1_dma_unmap unmap{};
    if (u.user.copy_from(&unmap, arg, minsz) < 0) return -EFAULT;
    if (unmap.argsz < minsz || (unmap.flags & ~vfio::dma_unmap_flag_all)) return -EINVAL;
    ioas_object* ioas = compat_ioas(u.ictx);
    if (!ioas) return -ENODEV;
    uint64_t unmapped = 0;
    int rc = 0;
    if (unmap.flags & vfio::dma_unmap_flag_all) {
        if (unmap.iova != 0 || unmap.size != 0) return -EINVAL;
        rc = iopt_unmap_iova_range(u.ictx, u.plat, *ioas, 0, ULONG_MAX, &unmapped);
    } else {
        if (ioas->iopt.disable_large_pages) {
            if ((rc = cut_at(u.ictx, ioas->iopt, unmap.iova + unmap.size - 1)) < 0) return rc;
            if (unmap.iova && (rc = cut_at(u.ictx, ioas->iopt, unmap.iova - 1)) < 0) return rc;
        }
        // iopt_unmap_iova(): its refusals still write size 0 back below.
        const uint64_t last = unmap.iova + (unmap.size - 1);
        if (!unmap.size)
            rc = -EINVAL;
        else if (last < unmap.iova)
            rc = -EOVERFLOW;
        else
            rc = iopt_unmap_iova_range(u.ictx, u.plat, *ioas, unmap.iova, last, &unmapped);
    }
    unmap.size = unmapped;
    if (u.user.copy_to(arg, &unmap, minsz) < 0) return -EFAULT;
    return rc;
}

// The page sizes of the compat IOAS: those every domain can map, at least
// PAGE_SIZE and the IOAS alignment (iommufd_get_pagesizes).
inline uint64_t pagesizes(const ioas_object& ioas) {
    uint64_t bitmap = ~0ull;
    for (const paging_domain* d : ioas.iopt.domains) bitmap &= d->pgsize_bitmap;
    if (bitmap & (page_size - 1)) {
        bitmap &= ~(page_size - 1);
        bitmap |= page_size;
    }
    return std::max(bitmap, ioas.iopt.iova_alignment);
}

// VFIO_IOMMU_GET_INFO with its capability chain: DMA_AVAIL, then the IOVA
// ranges. A short argsz gets the caps that fit and the argsz they need.
inline int get_info(ucmd& u, uint64_t arg) {
    size_t minsz = offsetof(vfio::iommu_type1_info, iova_pgsizes) + sizeof(uint64_t);
    vfio::iommu_type1_info info{};
    if (u.user.copy_from(&info, arg, minsz) < 0) return -EFAULT;
    if (info.argsz < minsz) return -EINVAL;
    minsz = std::min<size_t>(info.argsz, sizeof info);
    ioas_object* ioas = compat_ioas(u.ictx);
    if (!ioas) return -ENODEV;
    info.flags = vfio::iommu_info_pgsizes;
    info.iova_pgsizes = pagesizes(*ioas);
    info.cap_offset = 0;

    const auto holes = ioas->iopt.holes();
    // Each cap writes itself when it fits in what the caller gave.
    auto dma_avail = [&](uint64_t at, size_t avail) -> int {
        vfio::dma_avail_cap cap{{vfio::cap_dma_avail, 1, 0}, UINT32_MAX};
        if (avail >= sizeof cap && u.user.copy_to(arg + at, &cap, sizeof cap) < 0) return -EFAULT;
        return sizeof cap;
    };
    auto iova_ranges = [&](uint64_t at, size_t avail) -> int {
        vfio::cap_iova_range_head head{{vfio::cap_iova_range, 1, 0}, 0, 0};
        for (const auto& h : holes) {
            vfio::iova_range r{h.start, h.last};
            size_t need = sizeof head + (head.nr_iovas + 1) * sizeof r;
            if (avail >= need && u.user.copy_to(arg + at + sizeof head + head.nr_iovas * sizeof r, &r, sizeof r) < 0)
                return -EFAULT;
            head.nr_iovas++;
        }
        size_t total = sizeof head + head.nr_iovas * sizeof(vfio::iova_range);
        if (avail >= total && u.user.copy_to(arg + at, &head, sizeof head) < 0) return -EFAULT;
        return static_cast<int>(total);
    };
    uint64_t total = sizeof info;
    uint64_t last_cap = 0;
    for (int i = 0; i < 2; ++i) {
        size_t avail = info.argsz > total ? info.argsz - total : 0;
        int cap = i == 0 ? dma_avail(total, avail) : iova_ranges(total, avail);
        if (cap < 0) return cap;
        uint64_t size = (static_cast<uint64_t>(cap) + 7) & ~uint64_t{7};
        if (last_cap && info.argsz >= total) {
            uint32_t next = static_cast<uint32_t>(total);
            if (u.user.copy_to(arg + last_cap + offsetof(vfio::info_cap_header, next), &next, sizeof next) < 0)
                return -EFAULT;
        }
        last_cap = total;
        total += size;
    }
    if (info.argsz >= total) info.cap_offset = sizeof info;
    info.argsz = static_cast<uint32_t>(total);
    info.flags |= vfio::iommu_info_caps;
    if (u.user.copy_to(arg, &info, minsz) < 0) return -EFAULT;
    return 0;
}

}  // namespace vfio_compat

// iommufd_vfio_ioctl(): numbers outside iommufd's table.
inline int iommufd_vfio_ioctl(ucmd& u, unsigned long request, uint64_t arg) {
    switch (request) {
        case vfio::get_api_version: return vfio::api_version;
        case vfio::set_iommu: return vfio_compat::set_iommu(u.ictx, arg);
        case vfio::check_extension: return vfio_compat::check_extension(u.ictx, arg);
        case vfio::iommu_get_info: return vfio_compat::get_info(u, arg);
        case vfio::iommu_map_dma: return vfio_compat::map_dma(u, arg);
        case vfio::iommu_unmap_dma: return vfio_compat::unmap_dma(u, arg);
        default: return -ENOTTY;
    }
}

}  // namespace uapikit::fake
