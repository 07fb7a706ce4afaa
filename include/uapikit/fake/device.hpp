// Devices in a context (Linux drivers/iommu/iommufd/device.c): binding,
// attaching to an IOAS (through an automatic domain) or a HWPT, replacing
// and detaching; in-kernel accesses to an IOAS; IOMMU_GET_HW_INFO.
//
// The fake puts every device in a group of its own, as the selftest's mock
// devices are and as PCI devices behind ACS are, so "the group's HWPT" is
// the device's.
#pragma once

#include <uapikit/fake/eventq.hpp>
#include <uapikit/fake/hw_pagetable.hpp>

namespace uapikit::fake {

// ---- binding -----------------------------------------------------------------

// iommufd_device_bind(): a published device object that its driver (VFIO,
// or the selftest object) holds, so IOMMU_DESTROY of it is EBUSY.
inline uint32_t device_bind(iommufd_ctx& ictx, platform& plat, uint32_t phys) {
    physical_device& dev = plat.devices.at(phys);
    auto [id, idev] = ictx.objects.alloc<device_object>();
    idev.phys = phys;
    idev.dev = &dev;
    ictx.objects.at(id).users = 1;
    ictx.objects.publish(id);
    dev.bound = &ictx;
    dev.idev = id;
    return id;
}

// iommufd_device_unbind() after a detach. The device's vDEVICE goes with
// it; as in mainline, that vDEVICE's id stays taken until the context closes.
inline void device_unbind(iommufd_ctx& ictx, platform& plat, uint32_t idev_id) {
    auto& idev = ictx.objects.at_as<device_object>(idev_id);
    if (idev.vdevice) {
        uint32_t vd = idev.vdevice;
        vdevice_destroy(ictx, plat, vd, ictx.objects.at_as<vdevice_object>(vd));
        ictx.objects.unpublish(vd);  // a leaked id, freed at close
    }
    physical_device& dev = *idev.dev;
    dev.bound = nullptr;
    dev.idev = 0;
    ictx.objects.erase(idev_id);
}

// ---- attaching ------------------------------------------------------------------

// The device's reserved regions as reservations in an IOAS (owner: the
// device), all or none: EADDRINUSE over a mapped or allowed range.
inline int reserve_device_regions(const platform& plat, const physical_device& dev, io_pagetable& iopt) {
    auto regions = driver::reserved_regions(plat, dev);
    for (const auto& r : regions)
        if (iopt.first_area(r.start, r.last) || iopt.allowed_in(r.start, r.last)) return -EADDRINUSE;
    for (const auto& r : regions) iopt.reserved.push_back({r, &dev});
    return 0;
}

// What a driver's attach_dev checks for a HWPT: its domain's driver,
// instance and dirty tracking against the device.
inline int driver_attach_check(iommufd_ctx& ictx, const platform& plat, uint32_t hwpt_id, const device_object& idev) {
    const physical_device& dev = *idev.dev;
    const object& o = ictx.objects.at(hwpt_id).obj;
    if (const auto* p = std::get_if<hwpt_paging_object>(&o))
        return driver::attach_check(plat, dev, p->domain->kind, p->domain->iommu, p->domain->dirty_ops);
    const auto& n = std::get<hwpt_nested_object>(o);
    const iommu_kind kind = plat.iommus.at(static_cast<std::size_t>(n.iommu)).kind;
    if (int rc = driver::attach_check(plat, dev, kind, n.iommu, false); rc < 0) return rc;
    // A nested domain of a vIOMMU needs the device's vDEVICE there first
    // (iommufd_viommu_get_vdev_id): always for the mock, for SMMUv3 unless
    // the STE only aborts or bypasses.
    if (!n.viommu) return 0;
    const auto* vd = idev.vdevice ? ictx.objects.get<vdevice_object>(idev.vdevice) : nullptr;
    if (vd && vd->viommu == n.viommu) return 0;
    if (kind == iommu_kind::arm_smmuv3 && !driver::smmuv3_ste_translates(n.data)) return 0;
    return kind == iommu_kind::selftest || kind == iommu_kind::arm_smmuv3 ? -ENOENT : 0;
}

inline io_pagetable* iopt_of_hwpt(iommufd_ctx& ictx, uint32_t hwpt_id) {
    if (auto* p = std::get_if<hwpt_paging_object>(&ictx.objects.at(hwpt_id).obj))
        return &ictx.objects.at_as<ioas_object>(p->ioas).iopt;
    return nullptr;
}

// iommufd_hw_pagetable_attach(): the device's first attachment.
inline int hw_pagetable_attach(iommufd_ctx& ictx, platform& plat, uint32_t hwpt_id, uint32_t idev_id) {
    auto& idev = ictx.objects.at_as<device_object>(idev_id);
    if (idev.hwpt && idev.hwpt != hwpt_id) return -EINVAL;
    if (idev.hwpt == hwpt_id) return 0;
    const physical_device& dev = *idev.dev;
    io_pagetable* iopt = iopt_of_hwpt(ictx, hwpt_id);
    if (iopt)
        if (int rc = reserve_device_regions(plat, dev, *iopt); rc < 0) return rc;
    if (int rc = driver_attach_check(ictx, plat, hwpt_id, idev); rc < 0) {
        if (iopt) iopt->unreserve(&dev);
        return rc;
    }
    if (fault_of(ictx, hwpt_id)) idev.iopf_enabled++;
    idev.hwpt = hwpt_id;
    ictx.objects.at(hwpt_id).users++;
    return 0;
}

// iommufd_device_do_replace(): moves an attached device to hwpt_id;
// *old is the HWPT it left (0 when nothing changed), for the caller to put.
inline int device_do_replace(iommufd_ctx& ictx, platform& plat, uint32_t idev_id, uint32_t hwpt_id, uint32_t* old) {
    auto& idev = ictx.objects.at_as<device_object>(idev_id);
    *old = 0;
    if (!idev.hwpt) return -EINVAL;
    if (hwpt_id == idev.hwpt) return 0;
    const physical_device& dev = *idev.dev;
    io_pagetable* now = iopt_of_hwpt(ictx, idev.hwpt);
    io_pagetable* next = iopt_of_hwpt(ictx, hwpt_id);
    const bool moves_ioas = next && next != now;
    if (moves_ioas)
        if (int rc = reserve_device_regions(plat, dev, *next); rc < 0) return rc;
    if (int rc = driver_attach_check(ictx, plat, hwpt_id, idev); rc < 0) {
        if (moves_ioas) next->unreserve(&dev);
        return rc;
    }
    const uint32_t was = idev.hwpt;
    if (fault_of(ictx, was)) {
        auto_response_faults(ictx, was, idev_id);
        idev.iopf_enabled--;
    }
    if (fault_of(ictx, hwpt_id)) idev.iopf_enabled++;
    if (now && now != next) now->unreserve(&dev);
    idev.hwpt = hwpt_id;
    ictx.objects.at(hwpt_id).users++;
    *old = was;
    return 0;
}

enum class attach_mode { attach, replace };

// iommufd_device_auto_get_domain(): an automatic domain of the IOAS that
// takes the device, or a new one.
inline int device_auto_get_domain(iommufd_ctx& ictx, platform& plat, uint32_t idev_id, uint32_t ioas_id,
                                  uint32_t* pt_id, attach_mode mode, uint32_t* old) {
    auto hwpts = ictx.objects.at_as<ioas_object>(ioas_id).hwpts;  // a copy: attaching does not change it
    for (uint32_t hid : hwpts) {
        if (!ictx.objects.at_as<hwpt_paging_object>(hid).auto_domain) continue;
        int rc = mode == attach_mode::attach ? hw_pagetable_attach(ictx, plat, hid, idev_id)
                                             : device_do_replace(ictx, plat, idev_id, hid, old);
        if (rc == -EINVAL) continue;  // a domain this device cannot use
        if (rc < 0) return rc;
        *pt_id = hid;
        return 0;
    }
    uint32_t hid = 0;
    const bool immediate = mode == attach_mode::attach;
    if (int rc = hwpt_paging_alloc(ictx, plat, ioas_id, idev_id, 0, immediate, false, &hid); rc < 0) return rc;
    if (!immediate)
        if (int rc = device_do_replace(ictx, plat, idev_id, hid, old); rc < 0) {
            object_destroy(ictx, plat, hid);
            return rc;
        }
    ictx.objects.at_as<hwpt_paging_object>(hid).auto_domain = true;
    ictx.objects.publish(hid);
    *pt_id = hid;
    return 0;
}

// iommufd_device_change_pt(): pt_id names an IOAS (automatic domain) or a HWPT.
inline int device_change_pt(iommufd_ctx& ictx, platform& plat, uint32_t idev_id, uint32_t* pt_id, attach_mode mode) {
    object_table::slot* pt = ictx.objects.find(*pt_id);
    if (!pt) return -ENOENT;
    uint32_t old = 0;
    if (std::holds_alternative<hwpt_paging_object>(pt->obj) || std::holds_alternative<hwpt_nested_object>(pt->obj)) {
        int rc = mode == attach_mode::attach ? hw_pagetable_attach(ictx, plat, *pt_id, idev_id)
                                             : device_do_replace(ictx, plat, idev_id, *pt_id, &old);
        if (rc < 0) return rc;
    } else if (std::holds_alternative<ioas_object>(pt->obj)) {
        if (int rc = device_auto_get_domain(ictx, plat, idev_id, *pt_id, pt_id, mode, &old); rc < 0) return rc;
    } else {
        return -EINVAL;
    }
    if (old) hwpt_put(ictx, plat, old);
    return 0;
}

inline int device_attach(iommufd_ctx& ictx, platform& plat, uint32_t idev_id, uint32_t* pt_id) {
    if (int rc = device_change_pt(ictx, plat, idev_id, pt_id, attach_mode::attach); rc < 0) return rc;
    ictx.objects.at(idev_id).users++;  // paired with device_detach
    return 0;
}

inline int device_replace(iommufd_ctx& ictx, platform& plat, uint32_t idev_id, uint32_t* pt_id) {
    return device_change_pt(ictx, plat, idev_id, pt_id, attach_mode::replace);
}

// iommufd_hw_pagetable_detach(): undoes hw_pagetable_attach() but for the
// HWPT's user count, and answers the HWPT the device left (0: none). The
// device keeps its own count: an attach that fails after attaching (a new
// automatic domain that cannot be filled) undoes only this.
inline uint32_t hw_pagetable_detach(iommufd_ctx& ictx, uint32_t idev_id) {
    auto& idev = ictx.objects.at_as<device_object>(idev_id);
    const uint32_t hwpt = idev.hwpt;
    if (!hwpt) return 0;
    if (fault_of(ictx, hwpt)) {
        auto_response_faults(ictx, hwpt, idev_id);
        idev.iopf_enabled--;
    }
    if (io_pagetable* iopt = iopt_of_hwpt(ictx, hwpt)) iopt->unreserve(idev.dev);
    idev.hwpt = 0;
    return hwpt;
}

// iommufd_device_detach(): the device leaves its HWPT, which goes if it was
// an automatic domain nothing else uses, and drops the count device_attach()
// took.
inline void device_detach(iommufd_ctx& ictx, platform& plat, uint32_t idev_id) {
    const uint32_t hwpt = hw_pagetable_detach(ictx, idev_id);
    if (!hwpt) return;
    hwpt_put(ictx, plat, hwpt);
    ictx.objects.at(idev_id).users--;
}

// ---- accesses -------------------------------------------------------------------

// iommufd_access_create(): held by its creator until access_destroy().
inline uint32_t access_create(iommufd_ctx& ictx, bool needs_pin, bool internal) {
    auto [id, a] = ictx.objects.alloc<access_object>();
    a.needs_pin = needs_pin;
    a.internal = internal;
    ictx.objects.at(id).users = 1;
    ictx.objects.publish(id);
    return id;
}

// The selftest access's unmap op: drops its pins inside [iova, iova + length).
inline void access_unmap_items(iommufd_ctx& ictx, platform& plat, uint32_t access_id, uint64_t iova, uint64_t length) {
    auto& a = ictx.objects.at_as<access_object>(access_id);
    const uint64_t last = iova + length - 1;
    auto items = a.items;
    for (const auto& item : items) {
        if (iova > item.iova + item.length - 1 || last < item.iova) continue;
        access_unpin(ictx, plat, access_id, item.iova, item.length);
        std::erase_if(a.items, [&](const access_object::item& i) { return i.id == item.id; });
    }
}

// iommufd_access_change_ioas(): moves the access to new_ioas (0: detach).
inline int access_change_ioas(iommufd_ctx& ictx, platform& plat, uint32_t access_id, uint32_t new_ioas) {
    auto& a = ictx.objects.at_as<access_object>(access_id);
    const uint32_t cur = a.ioas;
    if (cur == new_ioas) return 0;
    if (new_ioas) {
        auto& ioas = ictx.objects.at_as<ioas_object>(new_ioas);
        ioas.iopt.accesses.push_back(access_id);
        if (int rc = iopt_calculate_iova_alignment(ictx, ioas, true); rc < 0) {
            ioas.iopt.accesses.pop_back();
            return rc;
        }
        ictx.objects.at(new_ioas).users++;
    }
    if (cur) {
        if (!a.internal) access_unmap_items(ictx, plat, access_id, 0, ULONG_MAX);
        auto& old = ictx.objects.at_as<ioas_object>(cur);
        std::erase(old.iopt.accesses, access_id);
        iopt_calculate_iova_alignment(ictx, old, false);
        ictx.objects.at(cur).users--;
    }
    ictx.objects.at_as<access_object>(access_id).ioas = new_ioas;
    return 0;
}

// Whether the pages under [from, to] of an area start and end on page
// boundaries where they meet other areas (iopt_area_contig_is_aligned).
inline bool contig_aligned(const iopt_area& a, uint64_t from, uint64_t to, uint64_t last) {
    if (a.byte_at(from) % page_size) return false;
    if (to != last && a.byte_at(a.last) % page_size != page_size - 1) return false;
    return true;
}

// iommufd_access_pin_pages(): pins [iova, iova + length) for the access,
// all or none. `pinned` gets the (pages, index) of each page in order.
inline int access_pin(iommufd_ctx& ictx, platform& plat, uint32_t access_id, uint64_t iova, uint64_t length,
                      bool write, std::vector<std::pair<const iopt_pages*, uint64_t>>* pinned) {
    if (!length) return -EINVAL;
    uint64_t last = iova + (length - 1);
    if (last < iova) return -EOVERFLOW;
    auto& a = ictx.objects.at_as<access_object>(access_id);
    if (!a.ioas) return -ENOENT;
    io_pagetable& iopt = ictx.objects.at_as<ioas_object>(a.ioas).iopt;
    // Check every area first; then take the pins (which can still fail).
    int rc = iopt.for_each_contig(iova, last, [&](iopt_area& area, uint64_t from, uint64_t to) {
        if (!contig_aligned(area, from, to, last)) return -EINVAL;
        if (!(area.prot & (write ? iommu_write : iommu_read))) return -EPERM;
        if (write && !area.pages->writable) return -EPERM;
        return 0;
    });
    if (rc < 0) return rc;
    std::vector<std::pair<iopt_area*, page_range>> held;
    rc = iopt.for_each_contig(iova, last, [&](iopt_area& area, uint64_t from, uint64_t to) {
        page_range r = area.pages_of(from, to);
        if (int e = plat.pins.hold(*area.pages, r); e < 0) return e;
        held.emplace_back(&area, r);
        return 0;
    });
    if (rc < 0) {
        for (auto& [area, r] : held) plat.pins.release(*area->pages, r);
        return rc;
    }
    for (auto& [area, r] : held) {
        area->num_accesses++;
        if (a.internal) area->num_locks++;
        if (pinned)
            for (uint64_t i = r.first; i <= r.last; ++i) pinned->emplace_back(area->pages.get(), i);
    }
    return 0;
}

inline void access_unpin(iommufd_ctx& ictx, platform& plat, uint32_t access_id, uint64_t iova, uint64_t length) {
    auto& a = ictx.objects.at_as<access_object>(access_id);
    if (!a.ioas || !length) return;
    io_pagetable& iopt = ictx.objects.at_as<ioas_object>(a.ioas).iopt;
    iopt.for_each_contig(iova, iova + length - 1, [&](iopt_area& area, uint64_t from, uint64_t to) {
        plat.pins.release(*area.pages, area.pages_of(from, to));
        area.num_accesses--;
        if (a.internal) area.num_locks--;
        return 0;
    });
}

// iommufd_access_rw(): copies between `data` and the memory under the IOVA.
inline int access_rw(iommufd_ctx& ictx, uint32_t access_id, uint64_t iova, uint8_t* data, uint64_t length, bool write) {
    if (!length) return -EINVAL;
    uint64_t last = iova + (length - 1);
    if (last < iova) return -EOVERFLOW;
    auto& a = ictx.objects.at_as<access_object>(access_id);
    if (!a.ioas) return -ENOENT;
    io_pagetable& iopt = ictx.objects.at_as<ioas_object>(a.ioas).iopt;
    return iopt.for_each_contig(iova, last, [&](iopt_area& area, uint64_t from, uint64_t to) {
        if (!(area.prot & (write ? iommu_write : iommu_read))) return -EPERM;
        if (write && !area.pages->writable) return -EPERM;
        uint64_t n = to - from + 1;
        int rc = pages_rw(*area.pages, area.byte_at(from), data, n, write);
        data += n;
        return rc;
    });
}

inline void access_notify_unmap(iommufd_ctx& ictx, platform& plat, ioas_object& ioas, uint64_t iova, uint64_t length) {
    auto ids = ioas.iopt.accesses;
    for (uint32_t id : ids)
        if (!ictx.objects.at_as<access_object>(id).internal) access_unmap_items(ictx, plat, id, iova, length);
}

// iommufd_access_destroy(): detached (dropping its pins) and removed.
inline void access_destroy(iommufd_ctx& ictx, platform& plat, uint32_t access_id) {
    auto& a = ictx.objects.at_as<access_object>(access_id);
    if (!a.internal) access_unmap_items(ictx, plat, access_id, 0, ULONG_MAX);
    access_change_ioas(ictx, plat, access_id, 0);
    ictx.objects.erase(access_id);
}

// ---- IOMMU_GET_HW_INFO (mainline: with IOMMU_HW_INFO_FLAG_INPUT_TYPE) ----------

inline int get_hw_info(ucmd& u, abi::iommu_hw_info& cmd) {
    if (cmd.flags & ~static_cast<uint32_t>(abi::IOMMU_HW_INFO_FLAG_INPUT_TYPE)) return -EOPNOTSUPP;
    if (cmd.__reserved[0] || cmd.__reserved[1] || cmd.__reserved[2]) return -EOPNOTSUPP;
    uint32_t requested = cmd.flags & abi::IOMMU_HW_INFO_FLAG_INPUT_TYPE ? cmd.in_data_type
                                                                        : uint32_t{abi::IOMMU_HW_INFO_TYPE_DEFAULT};
    device_object* idev = get_device(u, cmd.dev_id);
    if (!idev) return -ENOENT;
    const physical_device& dev = *idev->dev;
    uint32_t type = 0;
    std::vector<uint8_t> data;
    if (int rc = driver::hw_info(u.plat, dev, requested, &type, &data); rc < 0) return rc;
    const uint32_t copy = std::min<uint32_t>(cmd.data_len, static_cast<uint32_t>(data.size()));
    if (u.user.copy_to(cmd.data_uptr, data.data(), copy) < 0) return -EFAULT;
    if (copy < cmd.data_len && u.user.clear(cmd.data_uptr + copy, cmd.data_len - copy) < 0) return -EFAULT;
    cmd.data_len = static_cast<uint32_t>(data.size());
    cmd.out_data_type = type;
    cmd.out_capabilities = driver::dirty_capable(u.plat, dev) ? uint64_t{abi::IOMMU_HW_CAP_DIRTY_TRACKING} : 0;
    cmd.out_max_pasid_log2 = dev.max_pasid_log2;
    return u.respond();
}

}  // namespace uapikit::fake
