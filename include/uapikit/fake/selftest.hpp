// The selftest mock driver's IOMMU_TEST_CMD (Linux 6.12
// drivers/iommu/iommufd/selftest.c, and mainline's DEV_CHECK_CACHE,
// TRIGGER_VEVENT and PASID-capable mock devices): mock devices bound and
// attached in one call, checks of what a mock domain maps and how often
// pages are pinned, in-kernel accesses through an fd of their own, and
// events the mock raises.
#pragma once

#include <uapikit/fake/viommu.hpp>

namespace uapikit::fake {

inline void selftest_destroy(iommufd_ctx& ictx, platform& plat, selftest_object& s) {
    device_detach(ictx, plat, s.idev);
    device_unbind(ictx, plat, s.idev);
    plat.devices.erase(s.phys);
}

namespace selftest {

// MOCK_DOMAIN and MOCK_DOMAIN_FLAGS: a new mock device, bound and
// attached to the IOAS or HWPT `id`.
inline int mock_domain(ucmd& u, abi::iommu_test_cmd& cmd) {
    uint32_t sobj = u.objects().alloc<selftest_object>().id;
    uint32_t flags = cmd.op == abi::IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS ? cmd.mock_domain_flags.dev_flags : 0;
    const uint32_t known = abi::MOCK_FLAGS_DEVICE_NO_DIRTY | abi::MOCK_FLAGS_DEVICE_HUGE_IOVA |
                           abi::MOCK_FLAGS_DEVICE_PASID;
    if (flags & ~known) {
        u.objects().erase(sobj);
        return -EINVAL;
    }
    const uint32_t phys = u.plat.next_mock_key();
    physical_device& dev = u.plat.devices[phys];
    dev.iommu = u.plat.mock_iommu();
    dev.mock = true;
    dev.mock_flags = flags;
    dev.max_pasid_log2 = flags & abi::MOCK_FLAGS_DEVICE_PASID ? abi::MOCK_PASID_WIDTH : 0;
    dev.mock_cache.assign(abi::MOCK_DEV_CACHE_NUM, abi::IOMMU_TEST_DEV_CACHE_DEFAULT);
    uint32_t idev = device_bind(u.ictx, u.plat, phys);
    uint32_t pt_id = cmd.id;
    if (int rc = device_attach(u.ictx, u.plat, idev, &pt_id); rc < 0) {
        device_unbind(u.ictx, u.plat, idev);
        u.plat.devices.erase(phys);
        u.objects().erase(sobj);
        return rc;
    }
    auto& s = u.objects().at_as<selftest_object>(sobj);
    s.idev = idev;
    s.phys = phys;
    u.objects().publish(sobj);
    cmd.mock_domain.out_hwpt_id = pt_id;
    cmd.mock_domain.out_stdev_id = sobj;
    cmd.mock_domain.out_idev_id = idev;
    return u.respond();
}

inline int mock_domain_replace(ucmd& u, abi::iommu_test_cmd& cmd) {
    auto* s = u.objects().get<selftest_object>(cmd.id);
    if (!s) return -ENOENT;
    uint32_t pt_id = cmd.mock_domain_replace.pt_id;
    if (int rc = device_replace(u.ictx, u.plat, s->idev, &pt_id); rc < 0) return rc;
    cmd.mock_domain_replace.pt_id = pt_id;
    return u.respond();
}

inline int add_reserved(ucmd& u, const abi::iommu_test_cmd& cmd) {
    const uint64_t start = cmd.add_reserved.start, length = cmd.add_reserved.length;
    if (!length) return -EINVAL;
    const uint64_t last = start + (length - 1);
    if (last < start) return -EOVERFLOW;
    ioas_object* ioas = get_ioas(u.ictx, cmd.id);
    if (!ioas) return -ENOENT;
    return ioas->iopt.reserve(start, last, nullptr);
}

// The mock domain under a paging HWPT id (get_md_pagetable).
inline int md_pagetable(ucmd& u, uint32_t id, paging_domain** out) {
    hwpt_paging_object* h = get_hwpt_paging(u, id);
    if (!h) return -ENOENT;
    if (h->domain->kind != iommu_kind::selftest) return -EINVAL;
    *out = h->domain.get();
    return 0;
}

// MD_CHECK_MAP: each mock IO page of [iova, iova + length) maps the page
// that the caller has at uptr. A page is the same when it is the same
// process's page at the same address (the fake's PFN).
inline int md_check_map(ucmd& u, const abi::iommu_test_cmd& cmd) {
    uint64_t iova = cmd.check_map.iova, length = cmd.check_map.length, uptr = cmd.check_map.uptr;
    if (iova % mock_io_page || length % mock_io_page || uptr % mock_io_page || uptr + length < uptr) return -EINVAL;
    paging_domain* d = nullptr;
    if (int rc = md_pagetable(u, cmd.id, &d); rc < 0) return rc;
    for (; length; length -= mock_io_page, iova += mock_io_page, uptr += mock_io_page) {
        if (!u.user.readable(uptr & ~(page_size - 1), page_size, page_size)) return -EFAULT;
        uint64_t first = 0;
        const paging_domain::run* r = d->lookup(iova, &first);
        if (!r || r->pages->from_file() || !(r->pages->mm == u.user.mm())) return -EINVAL;
        if (r->pages->uptr + r->start_byte + (iova - first) != uptr) return -EINVAL;
    }
    return 0;
}

// MD_CHECK_REFS: every page of [uptr, uptr + length) has `refs` pins.
inline int md_check_refs(ucmd& u, const abi::iommu_test_cmd& cmd) {
    uint64_t uptr = cmd.check_refs.uptr, length = cmd.check_refs.length;
    if (length % page_size || uptr % page_size || uptr + length < uptr) return -EINVAL;
    for (; length; length -= page_size, uptr += page_size) {
        if (!u.user.readable(uptr, page_size, page_size)) return -EFAULT;
        if (u.plat.pins.pins(u.user.mm(), uptr) != cmd.check_refs.refs) return -EIO;
    }
    return 0;
}

inline int md_check_iotlb(ucmd& u, const abi::iommu_test_cmd& cmd) {
    auto* h = u.objects().get<hwpt_nested_object>(cmd.id);
    if (!h) return -ENOENT;
    if (h->iotlb.empty()) return -EINVAL;  // not a mock nested domain
    if (cmd.check_iotlb.id > abi::MOCK_NESTED_DOMAIN_IOTLB_ID_MAX || h->iotlb[cmd.check_iotlb.id] != cmd.check_iotlb.iotlb)
        return -EINVAL;
    return 0;
}

// The selftest access behind an access fd number, or EBADFD.
inline int access_of(ucmd& u, uint32_t fd, iommufd_ctx** ictx, uint32_t* id) {
    if (!u.plat.access_of_fd || !u.plat.access_of_fd(u.plat.host, static_cast<int>(fd), ictx, id)) return -EBADFD;
    return 0;
}

inline int create_access(ucmd& u, abi::iommu_test_cmd& cmd) {
    const uint32_t flags = cmd.create_access.flags;
    if (flags & ~static_cast<uint32_t>(abi::MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES)) return -EOPNOTSUPP;
    uint32_t id = access_create(u.ictx, flags & abi::MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES, false);
    if (!get_ioas(u.ictx, cmd.id)) {
        access_destroy(u.ictx, u.plat, id);
        return -ENOENT;
    }
    if (int rc = access_change_ioas(u.ictx, u.plat, id, cmd.id); rc < 0) {
        access_destroy(u.ictx, u.plat, id);
        return rc;
    }
    int fd = u.plat.new_object_fd(u.ictx, id, file_role::access, u.user);
    if (fd < 0) {
        access_destroy(u.ictx, u.plat, id);
        return fd == -EMFILE ? -ENOMEM : fd;
    }
    cmd.create_access.out_access_fd = static_cast<uint32_t>(fd);
    return u.respond();
}

inline int access_replace_ioas(ucmd& u, const abi::iommu_test_cmd& cmd) {
    iommufd_ctx* ictx = nullptr;
    uint32_t id = 0;
    if (int rc = access_of(u, cmd.id, &ictx, &id); rc < 0) return rc;
    auto& a = ictx->objects.at_as<access_object>(id);
    if (!a.ioas) return -ENOENT;
    if (!get_ioas(*ictx, cmd.access_replace_ioas.ioas_id)) return -ENOENT;
    return access_change_ioas(*ictx, u.plat, id, cmd.access_replace_ioas.ioas_id);
}

inline int access_pages(ucmd& u, abi::iommu_test_cmd& cmd) {
    auto& ap = cmd.access_pages;
    if (ap.length > 16 * 1024 * 1024) return -ENOMEM;
    if (ap.flags & ~static_cast<uint32_t>(abi::MOCK_FLAGS_ACCESS_WRITE | abi::MOCK_FLAGS_ACCESS_SYZ)) return -EOPNOTSUPP;
    iommufd_ctx* ictx = nullptr;
    uint32_t id = 0;
    if (int rc = access_of(u, cmd.id, &ictx, &id); rc < 0) return rc;
    auto& a = ictx->objects.at_as<access_object>(id);
    if (!a.needs_pin) return -EOPNOTSUPP;
    uint64_t iova = ap.iova;
    if ((ap.flags & abi::MOCK_FLAGS_ACCESS_SYZ) && a.ioas) iova = syz_conv_iova(ictx->objects.at_as<ioas_object>(a.ioas).iopt, iova);
    std::vector<std::pair<const iopt_pages*, uint64_t>> pinned;
    if (int rc = access_pin(*ictx, u.plat, id, iova, ap.length, ap.flags & abi::MOCK_FLAGS_ACCESS_WRITE, &pinned); rc < 0)
        return rc;
    if (ap.uptr) {
        // Each pinned page must be the caller's page at uptr (page aligned down).
        uint64_t user_page = (ap.uptr - (iova - (iova & ~(page_size - 1)))) & ~(page_size - 1);
        for (const auto& [pages, index] : pinned) {
            int rc = 0;
            if (!u.user.readable(user_page, page_size, page_size))
                rc = -EFAULT;
            else if (pages->from_file() || !(pages->mm == u.user.mm()) || pages->uptr + index * page_size != user_page)
                rc = -EBADE;
            if (rc < 0) {
                access_unpin(*ictx, u.plat, id, iova, ap.length);
                return rc;
            }
            user_page += page_size;
        }
    }
    auto& acc = ictx->objects.at_as<access_object>(id);
    uint32_t item = acc.next_item++;
    acc.items.push_back({item, iova, ap.length});
    ap.out_access_pages_id = item;
    return u.respond();
}

// Unpins the range item `item` of the access behind fd `access_fd` pinned,
// and forgets the item: 0, or -ENOENT without such an item.
inline int drop_access_pages(ucmd& u, uint32_t access_fd, uint32_t item) {
    iommufd_ctx* ictx = nullptr;
    uint32_t id = 0;
    if (int rc = access_of(u, access_fd, &ictx, &id); rc < 0) return rc;
    auto& a = ictx->objects.at_as<access_object>(id);
    for (auto it = a.items.begin(); it != a.items.end(); ++it)
        if (it->id == item) {
            auto pinned = *it;
            a.items.erase(it);
            access_unpin(*ictx, u.plat, id, pinned.iova, pinned.length);
            return 0;
        }
    return -ENOENT;
}

inline int destroy_access_pages(ucmd& u, const abi::iommu_test_cmd& cmd) {
    return drop_access_pages(u, cmd.id, cmd.destroy_access_pages.access_pages_id);
}

inline int access_rw_op(ucmd& u, const abi::iommu_test_cmd& cmd) {
    const auto& rw = cmd.access_rw;
    if (rw.length > 16 * 1024 * 1024) return -ENOMEM;
    if (rw.flags & ~static_cast<uint32_t>(abi::MOCK_ACCESS_RW_WRITE | abi::MOCK_ACCESS_RW_SLOW_PATH |
                                          abi::MOCK_FLAGS_ACCESS_SYZ))
        return -EOPNOTSUPP;
    iommufd_ctx* ictx = nullptr;
    uint32_t id = 0;
    if (int rc = access_of(u, cmd.id, &ictx, &id); rc < 0) return rc;
    const bool write = rw.flags & abi::MOCK_ACCESS_RW_WRITE;
    std::vector<uint8_t> tmp(rw.length);
    if (write && u.user.copy_from(tmp.data(), rw.uptr, rw.length) < 0) return -EFAULT;
    uint64_t iova = rw.iova;
    auto& a = ictx->objects.at_as<access_object>(id);
    if ((rw.flags & abi::MOCK_FLAGS_ACCESS_SYZ) && a.ioas) iova = syz_conv_iova(ictx->objects.at_as<ioas_object>(a.ioas).iopt, iova);
    if (int rc = access_rw(*ictx, id, iova, tmp.data(), rw.length, write); rc < 0) return rc;
    if (!write && u.user.copy_to(rw.uptr, tmp.data(), rw.length) < 0) return -EFAULT;
    return 0;
}

// DIRTY: marks the mock domain's entries dirty where the user's bitmap
// has a bit, as the kernel's mock indexes them (iova / page_size).
inline int dirty(ucmd& u, abi::iommu_test_cmd& cmd) {
    const auto& d = cmd.dirty;
    if (!d.page_size || !d.length || d.iova % d.page_size || d.length % d.page_size || !d.uptr) return -EINVAL;
    const uint64_t max = d.length / d.page_size;
    if (max > (uint64_t{16} << 20) * 8) return -EOVERFLOW;
    paging_domain* dom = nullptr;
    if (int rc = md_pagetable(u, cmd.id, &dom); rc < 0) return rc;
    if (!dom->dirty_tracking) return -EINVAL;
    std::vector<uint8_t> bits((max + 7) / 8);
    if (u.user.copy_from(bits.data(), d.uptr, bits.size()) < 0) return -EFAULT;
    uint64_t count = 0;
    for (uint64_t i = 0; i < max; ++i) {
        if (!(bits[i / 8] & (1u << (i % 8)))) continue;
        const uint64_t index = (d.iova + i * d.page_size) / d.page_size;
        if (!dom->mapped(index * mock_io_page)) continue;
        dom->dirty.insert(index);
        ++count;
    }
    cmd.dirty.out_nr_dirty = count;
    return u.respond();
}

inline int trigger_iopf(ucmd& u, const abi::iommu_test_cmd& cmd) {
    device_object* idev = get_device(u, cmd.trigger_iopf.dev_id);
    if (!idev) return -ENOENT;
    if (!idev->dev->mock) return -EINVAL;
    if (idev->hwpt) {
        fault_record r{};
        r.dev_id = cmd.trigger_iopf.dev_id;
        r.pasid = cmd.trigger_iopf.pasid;
        r.grpid = cmd.trigger_iopf.grpid;
        r.perm = cmd.trigger_iopf.perm;
        r.addr = cmd.trigger_iopf.addr;
        r.flags = abi::IOMMU_PGFAULT_FLAGS_LAST_PAGE | (r.pasid ? uint32_t{abi::IOMMU_PGFAULT_FLAGS_PASID_VALID} : 0u);
        report_fault(u.ictx, idev->hwpt, r);
    }
    return 0;
}

inline int dev_check_cache(ucmd& u, const abi::iommu_test_cmd& cmd) {
    device_object* idev = get_device(u, cmd.id);
    if (!idev) return -ENOENT;
    const physical_device& dev = *idev->dev;
    if (!dev.mock) return -EINVAL;
    if (cmd.check_dev_cache.id > abi::MOCK_DEV_CACHE_ID_MAX || dev.mock_cache[cmd.check_dev_cache.id] != cmd.check_dev_cache.cache)
        return -EINVAL;
    return 0;
}

inline int trigger_vevent(ucmd& u, const abi::iommu_test_cmd& cmd) {
    device_object* idev = get_device(u, cmd.trigger_vevent.dev_id);
    if (!idev) return -ENOENT;
    // The mock device learns its vIOMMU and virtual id when it attaches to
    // a nested domain of that vIOMMU; a virtual id of 0 counts as none.
    const auto* nested = idev->hwpt ? u.objects().get<hwpt_nested_object>(idev->hwpt) : nullptr;
    if (!nested || !nested->viommu || !idev->vdevice) return -ENOENT;
    auto& vd = u.objects().at_as<vdevice_object>(idev->vdevice);
    if (vd.viommu != nested->viommu || vd.virt_id == 0) return -ENOENT;
    abi::iommu_viommu_event_selftest e{};
    e.virt_id = static_cast<uint32_t>(vd.virt_id);
    return viommu_report_event(u.ictx, u.objects().at_as<viommu_object>(vd.viommu), abi::IOMMU_VEVENTQ_TYPE_SELFTEST, &e,
                               sizeof e);
}

}  // namespace selftest

// IOMMU_TEST_CMD: one operation per op.
inline int iommufd_test(ucmd& u, abi::iommu_test_cmd& cmd) {
    switch (cmd.op) {
        case abi::IOMMU_TEST_OP_ADD_RESERVED: return selftest::add_reserved(u, cmd);
        case abi::IOMMU_TEST_OP_MOCK_DOMAIN:
        case abi::IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS: return selftest::mock_domain(u, cmd);
        case abi::IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE: return selftest::mock_domain_replace(u, cmd);
        case abi::IOMMU_TEST_OP_MD_CHECK_MAP: return selftest::md_check_map(u, cmd);
        case abi::IOMMU_TEST_OP_MD_CHECK_REFS: return selftest::md_check_refs(u, cmd);
        case abi::IOMMU_TEST_OP_MD_CHECK_IOTLB: return selftest::md_check_iotlb(u, cmd);
        case abi::IOMMU_TEST_OP_CREATE_ACCESS: return selftest::create_access(u, cmd);
        case abi::IOMMU_TEST_OP_ACCESS_REPLACE_IOAS: return selftest::access_replace_ioas(u, cmd);
        case abi::IOMMU_TEST_OP_ACCESS_PAGES: return selftest::access_pages(u, cmd);
        case abi::IOMMU_TEST_OP_ACCESS_RW: return selftest::access_rw_op(u, cmd);
        case abi::IOMMU_TEST_OP_DESTROY_ACCESS_PAGES: return selftest::destroy_access_pages(u, cmd);
        case abi::IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT:
            if (cmd.memory_limit.limit < sizeof(unsigned long) + sizeof(uint32_t)) return -EINVAL;
            u.plat.test_memory_limit = cmd.memory_limit.limit;
            return 0;
        case abi::IOMMU_TEST_OP_DIRTY: return selftest::dirty(u, cmd);
        case abi::IOMMU_TEST_OP_TRIGGER_IOPF: return selftest::trigger_iopf(u, cmd);
        case abi::IOMMU_TEST_OP_DEV_CHECK_CACHE: return selftest::dev_check_cache(u, cmd);
        case abi::IOMMU_TEST_OP_TRIGGER_VEVENT: return selftest::trigger_vevent(u, cmd);
        default: return -EOPNOTSUPP;
    }
}

}  // namespace uapikit::fake
