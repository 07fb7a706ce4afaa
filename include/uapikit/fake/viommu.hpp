// vIOMMUs, vDEVICEs and HW queues (mainline drivers/iommu/iommufd/viommu.c),
// with the proposals the kit ships in their corrected form:
//  - a KVM VM fd on the vIOMMU: "[PATCH v2 1/3] iommufd/viommu: Allow
//    associating a KVM VM fd with a vIOMMU", Aneesh Kumar K.V (Arm),
//    2026-03-09;
//  - AMD's vIOMMU data with the VM's fd: "[PATCH v2 17/26] iommu/amd: Pass
//    KVM FD from userspace when initializing vIOMMU", Suravee
//    Suthikulpanit, 2026-05-28;
//  - the TSM map of a vDEVICE: "[RFC PATCH v1 10/38] iommufd/vdevice: Add
//    TSM map ioctl", Aneesh Kumar K.V (Arm), 2025-07-28.
#pragma once

#include <uapikit/fake/device.hpp>

namespace uapikit::fake {

// What a vIOMMU gets from its driver's init: the VM it holds (from the KVM
// flag or the driver's data) and, on AMD, its Guest ID.
struct viommu_grant {
    std::shared_ptr<struct vm> vm;
    std::optional<uint32_t> gid;
};

// The selftest mock's viommu_init() with data: loops in_data back and
// answers the mmap window of the two pages it shares.
inline int selftest_viommu_init(ucmd& u, const abi::iommu_viommu_alloc& cmd) {
    abi::iommu_viommu_selftest d{};
    if (int rc = copy_driver_struct(u.user, d, cmd.data_uptr, cmd.data_len,
                                    offsetof(abi::iommu_viommu_selftest, out_data) + 4);
        rc < 0)
        return rc;
    d.out_data = d.in_data;
    d.out_mmap_offset = 0x1000;
    d.out_mmap_length = 2 * page_size;
    return u.user.copy_to(cmd.data_uptr, &d, cmd.data_len);
}

// AMD's viommu_init(): the VM behind the data's kvmfd, a free Guest ID, and
// the vfMMIO window of that ID answered.
inline int amd_viommu_init(ucmd& u, physical_iommu& iommu, viommu_grant& v, const abi::iommu_viommu_alloc& cmd) {
    if (cmd.data_len != sizeof(abi::iommu_viommu_amd)) return -EINVAL;
    abi::iommu_viommu_amd d{};
    if (u.user.copy_from(&d, cmd.data_uptr, sizeof d) < 0) return -EFAULT;
    auto kvm = u.plat.vm_of(d.kvmfd);
    if (!kvm) return -EINVAL;                  // the VM behind kvmfd is required
    if (v.vm && v.vm != kvm) return -EINVAL;  // VMs must not mix
    uint32_t gid = 0;
    while (gid < iommu.gid_capacity && iommu.gids_in_use.count(gid)) ++gid;
    if (gid == iommu.gid_capacity) return -ENOSPC;
    d.out_vfmmio_mmap_offset = static_cast<uint64_t>(gid + 1) * page_size;
    if (u.user.copy_to(cmd.data_uptr, &d.out_vfmmio_mmap_offset, sizeof d.out_vfmmio_mmap_offset) < 0)
        return -EFAULT;
    v.gid = gid;
    v.vm = kvm;
    return 0;
}

// The driver's viommu_init(): reads and answers its data. Nothing is
// committed here. The drivers' bodies are functions of their own so that
// this switch, and the call without data, stay small enough to inline.
inline int viommu_driver_init(ucmd& u, physical_iommu& iommu, viommu_grant& v, const abi::iommu_viommu_alloc& cmd) {
    switch (iommu.kind) {
        case iommu_kind::arm_smmuv3: return cmd.data_len == 0 ? 0 : -EINVAL;
        case iommu_kind::selftest: return cmd.data_len == 0 ? 0 : selftest_viommu_init(u, cmd);
        case iommu_kind::amd: return amd_viommu_init(u, iommu, v, cmd);
        case iommu_kind::intel_vtd: break;
    }
    return -EOPNOTSUPP;
}

inline int viommu_alloc(ucmd& u, abi::iommu_viommu_alloc& cmd) {
    if ((cmd.flags & ~static_cast<uint32_t>(abi::IOMMU_VIOMMU_KVM_FD)) || cmd.type == abi::IOMMU_VIOMMU_TYPE_DEFAULT)
        return -EOPNOTSUPP;
    device_object* idev = get_device(u, cmd.dev_id);
    if (!idev) return -ENOENT;
    const physical_device& dev = *idev->dev;
    physical_iommu& iommu = u.plat.iommus.at(static_cast<std::size_t>(dev.iommu));
    if (!driver::viommu_supported(iommu.kind, cmd.type)) return -EOPNOTSUPP;
    hwpt_paging_object* hwpt = get_hwpt_paging(u, cmd.hwpt_id);
    if (!hwpt) return -ENOENT;
    if (!hwpt->nest_parent) return -EINVAL;
    // A hardware vIOMMU translates through a stage 2 of its own instance.
    if (iommu.kind != iommu_kind::selftest && hwpt->domain->iommu != dev.iommu) return -EINVAL;
    viommu_grant grant;
    if (cmd.flags & abi::IOMMU_VIOMMU_KVM_FD) {
        grant.vm = u.plat.vm_of(cmd.kvm_vm_fd);
        if (!grant.vm) return -EBADF;
        // The device's VM and the vIOMMU's must agree (the proposal's review).
        if (dev.kvm && dev.kvm != grant.vm) return -EINVAL;
    }
    if (int rc = viommu_driver_init(u, iommu, grant, cmd); rc < 0) return rc;

    auto [id, v] = u.objects().alloc<viommu_object>(cmd.hwpt_id, dev.iommu, cmd.type, std::move(grant.vm), grant.gid);
    if (v.vm) v.vm->holders++;
    if (v.gid) {
        iommu.gids_in_use.insert(*v.gid);
        if (!iommu.trans_devid_by_vm.count(v.vm->serial)) iommu.trans_devid_by_vm[v.vm->serial] = iommu.next_trans_devid++;
    }
    u.objects().at(cmd.hwpt_id).users++;
    u.objects().publish(id);
    cmd.out_viommu_id = id;
    return u.respond();
}

inline void release_vm(platform&, const std::shared_ptr<struct vm>& vm) { vm->holders--; }

inline void viommu_destroy(iommufd_ctx& ictx, platform& plat, viommu_object& v) {
    ictx.objects.at(v.hwpt).users--;
    if (v.gid) plat.iommus.at(static_cast<std::size_t>(v.iommu)).gids_in_use.erase(*v.gid);
    if (v.vm) release_vm(plat, v.vm);
}

inline int vdevice_alloc(ucmd& u, abi::iommu_vdevice_alloc& cmd) {
    if (cmd.virt_id > ULONG_MAX) return -EINVAL;
    viommu_object* v = get_viommu(u, cmd.viommu_id);
    if (!v) return -ENOENT;
    device_object* idev = get_device(u, cmd.dev_id);
    if (!idev) return -ENOENT;
    const physical_device& dev = *idev->dev;
    if (dev.iommu != v->iommu) return -EINVAL;
    if (dev.kvm && v->vm && dev.kvm != v->vm) return -EINVAL;  // VMs must not mix
    if (idev->vdevice) return -EEXIST;
    for (const auto& [virt, vd] : v->vdevs)
        if (virt == cmd.virt_id) return -EEXIST;
    auto [id, vd] = u.objects().alloc<vdevice_object>();
    vd.viommu = cmd.viommu_id;
    vd.device = cmd.dev_id;
    vd.virt_id = cmd.virt_id;
    v->vdevs.emplace_back(cmd.virt_id, id);
    idev->vdevice = id;
    u.objects().at(cmd.viommu_id).users++;
    u.objects().publish(id);
    cmd.out_vdevice_id = id;
    return u.respond();
}

inline void vdevice_destroy(iommufd_ctx& ictx, platform&, uint32_t id, vdevice_object& vd) {
    auto& v = ictx.objects.at_as<viommu_object>(vd.viommu);
    std::erase_if(v.vdevs, [id](const auto& e) { return e.second == id; });
    ictx.objects.at(vd.viommu).users--;
    if (auto* idev = ictx.objects.get<device_object>(vd.device); idev && idev->vdevice == id) idev->vdevice = 0;
    vd.viommu = 0;
}

// The vdevice of virt_id on v, or null (iommufd_viommu_find_dev).
inline vdevice_object* find_vdevice(iommufd_ctx& ictx, viommu_object& v, uint64_t virt_id) {
    for (const auto& [virt, id] : v.vdevs)
        if (virt == virt_id) return &ictx.objects.at_as<vdevice_object>(id);
    return nullptr;
}

// A vIOMMU's cache_invalidate(): the driver's commands, in order.
inline int viommu_cache_invalidate(ucmd& u, viommu_object& v, uint32_t type, uint64_t uptr, uint32_t entry_len,
                                   uint32_t num, uint32_t* done) {
    *done = 0;
    const iommu_kind kind = u.plat.iommus.at(static_cast<std::size_t>(v.iommu)).kind;
    if (kind == iommu_kind::arm_smmuv3) {
        if (type != abi::IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3) return -EINVAL;
        std::vector<abi::iommu_viommu_arm_smmuv3_invalidate> cmds(num);
        for (uint32_t i = 0; i < num; ++i)
            if (int rc = driver::array_entry(u.user, cmds[i], uptr, entry_len, i, sizeof cmds[i]); rc < 0) return rc;
        for (const auto& c : cmds) {
            const uint64_t opcode = c.cmd[0] & 0xff;
            if (!driver::smmuv3_command_supported(opcode)) return -EIO;
            // Commands naming a stream carry the guest's vSID in bits 32..63.
            if ((opcode == 0x05 || opcode == 0x06 || opcode == 0x40) && !find_vdevice(u.ictx, v, c.cmd[0] >> 32))
                return -EIO;
            ++*done;
        }
        return 0;
    }
    if (kind == iommu_kind::selftest) {
        if (type != abi::IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST) return -EINVAL;
        std::vector<abi::iommu_viommu_invalidate_selftest> cmds(num);
        for (uint32_t i = 0; i < num; ++i)
            if (int rc = driver::array_entry(u.user, cmds[i], uptr, entry_len, i, sizeof cmds[i]); rc < 0) return rc;
        for (const auto& c : cmds) {
            if (c.flags & ~static_cast<uint32_t>(abi::IOMMU_TEST_INVALIDATE_FLAG_ALL)) return -EOPNOTSUPP;
            if (c.cache_id > abi::MOCK_DEV_CACHE_ID_MAX) return -EINVAL;
            vdevice_object* vd = find_vdevice(u.ictx, v, c.vdev_id);
            if (!vd) return -EINVAL;
            auto& cache = u.objects().at_as<device_object>(vd->device).dev->mock_cache;
            if (c.flags & abi::IOMMU_TEST_INVALIDATE_FLAG_ALL)
                std::fill(cache.begin(), cache.end(), 0u);
            else
                cache.at(c.cache_id) = 0;
            ++*done;
        }
        return 0;
    }
    return -EOPNOTSUPP;
}

// ---- HW queues --------------------------------------------------------------------

inline int mock_hw_queue_index_check(ucmd& u, uint32_t viommu_id, uint32_t index) {
    if (index >= abi::IOMMU_TEST_HW_QUEUE_MAX) return -EINVAL;
    bool taken = false, previous = index == 0;
    u.objects().for_each([&](uint32_t id, const object_table::slot& s) {
        if (const auto* q = std::get_if<hw_queue_object>(&s.obj); q && q->viommu == viommu_id && u.objects().published(id)) {
            taken |= q->index == index;
            previous |= q->index + 1 == index;
        }
    });
    if (taken) return -EEXIST;
    return previous ? 0 : -EIO;
}

inline int hw_queue_alloc(ucmd& u, abi::iommu_hw_queue_alloc& cmd) {
    if (cmd.flags || cmd.type == abi::IOMMU_HW_QUEUE_TYPE_DEFAULT) return -EOPNOTSUPP;
    if (!cmd.length) return -EINVAL;
    if (cmd.nesting_parent_iova + (cmd.length - 1) < cmd.nesting_parent_iova) return -EOVERFLOW;
    viommu_object* v = get_viommu(u, cmd.viommu_id);
    if (!v) return -ENOENT;
    if (!driver::hw_queue_supported(u.plat.iommus.at(static_cast<std::size_t>(v->iommu)).kind, cmd.type))
        return -EOPNOTSUPP;
    // The queue takes its id before the internal access that pins its
    // pages, as mainline reserves the object (_iommufd_object_alloc_ucmd())
    // before iommufd_hw_queue_alloc_phys(): the access's id comes after the
    // queue's. A failure frees both ids again.
    auto [id, q] = u.objects().alloc<hw_queue_object>();
    auto fail = [&u, id](int rc) {
        u.objects().erase(id);
        return rc;
    };
    // iommufd_hw_queue_alloc_phys(): the whole pages the range covers; a
    // range whose rounding up to a page wraps is ERANGE.
    const uint64_t aligned = cmd.nesting_parent_iova & ~(page_size - 1);
    uint64_t length;
    if (__builtin_add_overflow(cmd.nesting_parent_iova - aligned, cmd.length, &length) ||
        __builtin_add_overflow(length, page_size - 1, &length))
        return fail(-ERANGE);
    length &= ~(page_size - 1);
    // An internal access pins the queue's pages in the nesting parent's
    // IOAS, so IOAS_UNMAP cannot take them away (EBUSY).
    const uint32_t ioas = u.objects().at_as<hwpt_paging_object>(v->hwpt).ioas;
    uint32_t access = access_create(u.ictx, true, true);
    if (int rc = access_change_ioas(u.ictx, u.plat, access, ioas); rc < 0) {
        access_destroy(u.ictx, u.plat, access);
        return fail(rc);
    }
    std::vector<std::pair<const iopt_pages*, uint64_t>> pinned;
    if (int rc = access_pin(u.ictx, u.plat, access, aligned, length, false, &pinned); rc < 0) {
        access_destroy(u.ictx, u.plat, access);
        return fail(rc);
    }
    // The pages must be physically contiguous; the fake counts consecutive
    // pages of one mapping as contiguous.
    for (std::size_t i = 1; i < pinned.size(); ++i)
        if (pinned[i].first != pinned[i - 1].first || pinned[i].second != pinned[i - 1].second + 1) {
            access_unpin(u.ictx, u.plat, access, aligned, length);
            access_destroy(u.ictx, u.plat, access);
            return fail(-EFAULT);
        }
    // The driver's hw_queue_init_phys(), after the pages are pinned: the
    // mock takes indexes below IOMMU_TEST_HW_QUEUE_MAX, each once, in
    // ascending order.
    if (int rc = mock_hw_queue_index_check(u, cmd.viommu_id, cmd.index); rc < 0) {
        access_unpin(u.ictx, u.plat, access, aligned, length);
        access_destroy(u.ictx, u.plat, access);
        return fail(rc);
    }
    q.viommu = cmd.viommu_id;
    q.type = cmd.type;
    q.index = cmd.index;
    q.base = cmd.nesting_parent_iova;
    q.length = cmd.length;
    q.access = access;
    u.objects().at(cmd.viommu_id).users++;
    u.objects().publish(id);
    cmd.out_hw_queue_id = id;
    return u.respond();
}

inline void hw_queue_destroy(iommufd_ctx& ictx, platform& plat, hw_queue_object& q) {
    const uint64_t aligned = q.base & ~(page_size - 1);
    const uint64_t length = (q.base - aligned + q.length + page_size - 1) & ~(page_size - 1);
    access_unpin(ictx, plat, q.access, aligned, length);
    access_destroy(ictx, plat, q.access);
    ictx.objects.at(q.viommu).users--;
}

// ---- TSM map (the proposal) ---------------------------------------------------------

inline int vdevice_tsm_map(ucmd& u, abi::iommu_vdevice_tsm_map& cmd) {
    if (cmd.flags != 0) return -EOPNOTSUPP;
    auto* vd = u.objects().get<vdevice_object>(cmd.vdevice_id);
    if (!vd) return -ENOENT;
    const viommu_object& v = u.objects().at_as<viommu_object>(vd->viommu);
    if (!v.vm) return -ENODEV;
    if (cmd.start_gpa % page_size || cmd.end_gpa % page_size || cmd.start_gpa >= cmd.end_gpa) return -EINVAL;
    for (uint64_t page = cmd.start_gpa; page < cmd.end_gpa;) {
        const memslot* slot = nullptr;
        for (const auto& [n, s] : v.vm->slots)
            if (s.private_capable && s.gpa <= page && page - s.gpa < s.size) slot = &s;
        if (!slot) return -EINVAL;
        page = slot->gpa + slot->size;  // the rest of this slot is covered
    }
    vd->tsm_mapped.emplace_back(cmd.start_gpa, cmd.end_gpa);
    return 0;
}

}  // namespace uapikit::fake
