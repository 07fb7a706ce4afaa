// HW page tables (Linux drivers/iommu/iommufd/hw_pagetable.c): paging HWPTs
// over an IOAS, nested HWPTs over a nesting parent or a vIOMMU, dirty
// tracking and cache invalidation. 6.12's order of checks, with mainline's
// vIOMMU-based nesting added.
#pragma once

#include <uapikit/fake/drivers.hpp>
#include <uapikit/fake/ioas.hpp>

#include <bit>
#include <map>

namespace uapikit::fake {

// Whether the driver of `kind` makes nested domains on a paging parent
// (ops->domain_alloc_nested); SMMUv3 and AMD nest only on a vIOMMU.
inline bool nests_on_parent(iommu_kind kind) { return kind == iommu_kind::selftest || kind == iommu_kind::intel_vtd; }

inline void hwpt_paging_destroy(iommufd_ctx& ictx, platform& plat, uint32_t id, hwpt_paging_object& h) {
    if (auto* ioas = ictx.objects.get<ioas_object>(h.ioas)) {
        if (std::erase(ioas->hwpts, id)) iopt_table_remove_domain(ictx, plat, *ioas, *h.domain);
    }
    if (h.fault) ictx.objects.at(h.fault).users--;
    ictx.objects.at(h.ioas).users--;
}

inline void hwpt_nested_destroy(iommufd_ctx& ictx, platform&, hwpt_nested_object& h) {
    if (h.fault) ictx.objects.at(h.fault).users--;
    ictx.objects.at(h.viommu ? h.viommu : h.parent).users--;
}

// iommufd_hwpt_paging_alloc(): a paging HWPT over ioas_id for the device,
// reserved but not published (the caller publishes it, or destroys it).
inline int hwpt_paging_alloc(iommufd_ctx& ictx, platform& plat, uint32_t ioas_id, uint32_t idev_id, uint32_t flags,
                             bool immediate_attach, bool user_data, uint32_t* out_id) {
    const physical_device& dev = *ictx.objects.at_as<device_object>(idev_id).dev;
    const uint32_t valid = abi::IOMMU_HWPT_ALLOC_NEST_PARENT | abi::IOMMU_HWPT_ALLOC_DIRTY_TRACKING |
                           abi::IOMMU_HWPT_FAULT_ID_VALID | abi::IOMMU_HWPT_ALLOC_PASID;
    if (flags & ~valid) return -EOPNOTSUPP;
    if ((flags & abi::IOMMU_HWPT_ALLOC_DIRTY_TRACKING) && !driver::dirty_capable(plat, dev)) return -EOPNOTSUPP;
    if ((flags & abi::IOMMU_HWPT_FAULT_ID_VALID) && (flags & abi::IOMMU_HWPT_ALLOC_NEST_PARENT)) return -EOPNOTSUPP;
    if (int rc = driver::paging_alloc_check(plat, dev, flags & ~static_cast<uint32_t>(abi::IOMMU_HWPT_FAULT_ID_VALID),
                                            user_data);
        rc < 0)
        return rc;

    auto [id, h] = ictx.objects.alloc<hwpt_paging_object>();
    h.ioas = ioas_id;
    h.nest_parent = flags & abi::IOMMU_HWPT_ALLOC_NEST_PARENT;
    h.domain = driver::new_paging_domain(plat, dev);
    h.domain->dirty_ops = flags & abi::IOMMU_HWPT_ALLOC_DIRTY_TRACKING;
    ictx.objects.at(ioas_id).users++;
    auto abort = [&](int rc) {
        ictx.objects.at(ioas_id).users--;
        ictx.objects.erase(id);
        return rc;
    };
    if (immediate_attach)
        if (int rc = hw_pagetable_attach(ictx, plat, id, idev_id); rc < 0) return abort(rc);
    auto& ioas = ictx.objects.at_as<ioas_object>(ioas_id);
    if (int rc = iopt_table_add_domain(ictx, plat, ioas, *ictx.objects.at_as<hwpt_paging_object>(id).domain); rc < 0) {
        // Only the attachment goes: the device's own count was not taken yet.
        if (immediate_attach) hw_pagetable_detach(ictx, idev_id);
        return abort(rc);
    }
    ioas.hwpts.push_back(id);
    *out_id = id;
    return 0;
}

inline int hwpt_alloc(ucmd& u, abi::iommu_hwpt_alloc& cmd) {
    if (cmd.__reserved) return -EOPNOTSUPP;
    if ((cmd.data_type == abi::IOMMU_HWPT_DATA_NONE && cmd.data_len) ||
        (cmd.data_type != abi::IOMMU_HWPT_DATA_NONE && !cmd.data_len))
        return -EINVAL;
    device_object* idev = get_device(u, cmd.dev_id);
    if (!idev) return -ENOENT;
    const physical_device& dev = *idev->dev;
    object_table::slot* pt = u.objects().find(cmd.pt_id);
    if (!pt) return -EINVAL;

    uint32_t id = 0;
    if (std::holds_alternative<ioas_object>(pt->obj)) {
        // No driver takes data for a paging domain: they refuse it unread.
        if (int rc = hwpt_paging_alloc(u.ictx, u.plat, cmd.pt_id, cmd.dev_id, cmd.flags, false, cmd.data_len != 0, &id);
            rc < 0)
            return rc;
    } else if (auto* parent = std::get_if<hwpt_paging_object>(&pt->obj)) {
        const iommu_kind kind = u.plat.kind_of(dev);
        if ((cmd.flags & ~static_cast<uint32_t>(abi::IOMMU_HWPT_FAULT_ID_VALID)) || !cmd.data_len ||
            !nests_on_parent(kind))
            return -EOPNOTSUPP;
        if (parent->auto_domain || !parent->nest_parent || parent->domain->kind != kind) return -EINVAL;
        hwpt_nested_object made;
        if (int rc = driver::nested_alloc(u.plat, u.user, kind, false,
                                          cmd.flags & ~static_cast<uint32_t>(abi::IOMMU_HWPT_FAULT_ID_VALID),
                                          cmd.data_type, cmd.data_uptr, cmd.data_len, made);
            rc < 0)
            return rc;
        made.parent = cmd.pt_id;
        made.iommu = parent->domain->iommu;
        id = u.objects().alloc<hwpt_nested_object>(std::move(made)).id;
        u.objects().at(cmd.pt_id).users++;
    } else if (auto* viommu = std::get_if<viommu_object>(&pt->obj)) {
        if (viommu->iommu != dev.iommu) return -EINVAL;
        if ((cmd.flags & ~static_cast<uint32_t>(abi::IOMMU_HWPT_FAULT_ID_VALID)) || !cmd.data_len) return -EOPNOTSUPP;
        const iommu_kind kind = u.plat.iommus.at(static_cast<std::size_t>(viommu->iommu)).kind;
        hwpt_nested_object made;
        if (int rc = driver::nested_alloc(u.plat, u.user, kind, true,
                                          cmd.flags & ~static_cast<uint32_t>(abi::IOMMU_HWPT_FAULT_ID_VALID),
                                          cmd.data_type, cmd.data_uptr, cmd.data_len, made);
            rc < 0)
            return rc;
        made.viommu = cmd.pt_id;
        made.parent = viommu->hwpt;
        made.iommu = viommu->iommu;
        id = u.objects().alloc<hwpt_nested_object>(std::move(made)).id;
        u.objects().at(cmd.pt_id).users++;
    } else {
        return -EINVAL;
    }

    if (cmd.flags & abi::IOMMU_HWPT_FAULT_ID_VALID) {
        if (!u.objects().get<fault_object>(cmd.fault_id)) {
            object_destroy(u.ictx, u.plat, id);  // iommufd_object_abort_and_destroy
            return -ENOENT;
        }
        u.objects().at(cmd.fault_id).users++;
        auto& slot = u.objects().at(id);
        if (auto* p = std::get_if<hwpt_paging_object>(&slot.obj)) p->fault = cmd.fault_id;
        if (auto* n = std::get_if<hwpt_nested_object>(&slot.obj)) n->fault = cmd.fault_id;
    }
    u.objects().publish(id);
    cmd.out_hwpt_id = id;
    return u.respond();
}

inline int hwpt_set_dirty_tracking(ucmd& u, abi::iommu_hwpt_set_dirty_tracking& cmd) {
    if (cmd.flags & ~static_cast<uint32_t>(abi::IOMMU_HWPT_DIRTY_TRACKING_ENABLE)) return -EOPNOTSUPP;
    hwpt_paging_object* h = get_hwpt_paging(u, cmd.hwpt_id);
    if (!h) return -ENOENT;
    paging_domain& d = *h->domain;
    if (!d.dirty_ops) return -EOPNOTSUPP;
    const bool enable = cmd.flags & abi::IOMMU_HWPT_DIRTY_TRACKING_ENABLE;
    if (enable) d.dirty.clear();  // a clean start: the bits read and cleared first
    d.dirty_tracking = enable;
    return 0;
}

// iommufd_check_iova_range(): the bitmap's range against the IOAS alignment
// and its own page size.
inline int dirty_range_check(const io_pagetable& iopt, const abi::iommu_hwpt_get_dirty_bitmap& b) {
    if (!b.length) return -EINVAL;
    uint64_t last = b.iova + (b.length - 1);
    if (last < b.iova) return -EOVERFLOW;
    if (b.iova > ULONG_MAX || last > ULONG_MAX) return -EOVERFLOW;
    const uint64_t mask = iopt.iova_alignment - 1;
    if ((b.iova & mask) || ((last + 1) & mask)) return -EINVAL;
    if (!b.page_size) return -EINVAL;
    if ((b.iova & (b.page_size - 1)) || ((last + 1) & (b.page_size - 1))) return -EINVAL;
    return 0;
}

inline int hwpt_get_dirty_bitmap(ucmd& u, abi::iommu_hwpt_get_dirty_bitmap& cmd) {
    if ((cmd.flags & ~static_cast<uint32_t>(abi::IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR)) || cmd.__reserved)
        return -EOPNOTSUPP;
    hwpt_paging_object* h = get_hwpt_paging(u, cmd.hwpt_id);
    if (!h) return -ENOENT;
    auto& ioas = u.objects().at_as<ioas_object>(h->ioas);
    if (int rc = dirty_range_check(ioas.iopt, cmd); rc < 0) return rc;
    paging_domain& d = *h->domain;
    if (!d.dirty_ops) return -EOPNOTSUPP;
    const bool clear = !(cmd.flags & abi::IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR);
    const uint64_t last = cmd.iova + (cmd.length - 1);

    // The bits of the range, gathered first and then ORed into the
    // caller's bitmap. Bit b is the page of IOVA iova + (b << shift), with
    // shift the lowest set bit of page_size (iova_bitmap.c). Only the bytes
    // with bits are kept, however long the range. The kernel ignores
    // failures to reach the caller's bitmap (iova_bitmap_for_each's result
    // is not checked), and so does the fake.
    const unsigned shift = static_cast<unsigned>(std::countr_zero(cmd.page_size));
    std::map<uint64_t, uint8_t> bits;  // byte index of the bitmap -> its bits
    auto record = [&](uint64_t iova, uint64_t length) {
        const uint64_t first = (std::max(iova, cmd.iova) - cmd.iova) >> shift;
        const uint64_t end = (std::min(iova + length - 1, last) - cmd.iova) >> shift;
        for (uint64_t b = first; b <= end; ++b) bits[b / 8] |= static_cast<uint8_t>(1u << (b % 8));
    };
    // The mock's read_and_clear_dirty(): step by the IO page that maps each
    // IOVA; a huge one is dirty when any of its small pages is, all of them
    // are cleared, and its whole length is recorded from where the step is.
    if (d.dirty_tracking)
        ioas.iopt.for_each_contig(cmd.iova, last, [&](iopt_area&, uint64_t from, uint64_t to) {
            for (uint64_t at = from & ~(d.io_page - 1);;) {
                uint64_t head = 0;
                const uint64_t size = d.io_page_at(at, &head);
                bool dirty = false;
                for (auto it = d.dirty.lower_bound(head / d.io_page);
                     it != d.dirty.end() && *it <= (head + (size - 1)) / d.io_page;) {
                    dirty = true;
                    it = clear ? d.dirty.erase(it) : std::next(it);
                }
                if (dirty) record(at, size);
                if (size > to - at) break;
                at += size;
            }
            return 0;
        });
    // Runs of consecutive bytes are read, ORed and written back in one go.
    for (auto it = bits.begin(); it != bits.end();) {
        const uint64_t first = it->first;
        std::vector<uint8_t> run;
        for (; it != bits.end() && it->first == first + run.size(); ++it) run.push_back(it->second);
        std::vector<uint8_t> cur(run.size());
        if (u.user.copy_from(cur.data(), cmd.data + first, cur.size()) == 0) {
            for (std::size_t k = 0; k < cur.size(); ++k) cur[k] |= run[k];
            u.user.copy_to(cmd.data + first, cur.data(), cur.size());
        }
    }
    return 0;
}

// The kernel's cap on one invalidation batch.
inline constexpr uint32_t invalidate_entry_num_max = 1u << 19;

int viommu_cache_invalidate(ucmd& u, viommu_object& v, uint32_t type, uint64_t uptr, uint32_t entry_len,
                            uint32_t num, uint32_t* done);

inline int hwpt_invalidate(ucmd& u, abi::iommu_hwpt_invalidate& cmd) {
    uint32_t done = 0;
    int rc = 0;
    if (cmd.__reserved) {
        rc = -EOPNOTSUPP;
    } else if (cmd.entry_num && (!cmd.data_uptr || !cmd.entry_len || cmd.entry_len > page_size ||
                                 cmd.entry_num > invalidate_entry_num_max)) {
        rc = -EINVAL;
    } else if (auto* h = u.objects().get<hwpt_nested_object>(cmd.hwpt_id)) {
        rc = driver::nested_invalidate(u.user, *h, u.plat.iommus.at(static_cast<std::size_t>(h->iommu)).kind,
                                       cmd.data_type, cmd.data_uptr, cmd.entry_len, cmd.entry_num, &done);
    } else if (auto* v = u.objects().get<viommu_object>(cmd.hwpt_id)) {
        rc = viommu_cache_invalidate(u, *v, cmd.data_type, cmd.data_uptr, cmd.entry_len, cmd.entry_num, &done);
    } else {
        rc = -ENOENT;  // 6.12 looks the id up as a nested HWPT only; mainline: EINVAL (docs/fake-semantics.md)
    }
    // How many entries were handled goes back whatever the result.
    cmd.entry_num = done;
    u.respond();
    return rc;
}

}  // namespace uapikit::fake
