// The simulated host: iommufd contexts, KVM, physical IOMMUs and devices,
// answering each ioctl as the kernel does (uapi-facts sections 2, 3, 5 and
// 6): checks in the kernel's order so the first failing one decides the
// errno, and a rejected call leaves every object exactly as it was.
#pragma once

#include <uapikit/fake/fd_table.hpp>
#include <uapikit/fake/kvm_abi.hpp>
#include <uapikit/fake/model.hpp>
#include <uapikit/generated/proposed.hpp>

#include <cerrno>
#include <climits>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <optional>
#include <unistd.h>
#include <variant>

namespace uapikit::fake {

namespace abi = uapikit::raw::proposed;

// Where fake file descriptors come from. By default each one reserves a
// real descriptor (on /dev/null), so fake and real fds never collide; the
// LD_PRELOAD library supplies functions that bypass its own interposition.
struct fd_source {
    int (*reserve)() = [] { return ::open("/dev/null", O_RDONLY | O_CLOEXEC); };
    void (*release)(int) = [](int fd) { ::close(fd); };
};

class host {
public:
    static constexpr uint64_t page_size = 4096;

    explicit host(fd_source fds = {}) : fds_(fds) {}
    host(const host&) = delete;
    host& operator=(const host&) = delete;
    ~host() {
        while (!files_.empty()) close(files_.lowest());
    }

    // ---- hardware and wiring that VMMs get from elsewhere -------------------

    // A physical IOMMU instance; returns its index.
    int add_iommu(iommu_kind kind, uint32_t gid_capacity = 1u << 16) {
        iommus_.push_back(physical_iommu{kind, gid_capacity, {}, {}, 1});
        return static_cast<int>(iommus_.size() - 1);
    }

    // A device behind `iommu`, bound to the iommufd `fd` as VFIO's
    // VFIO_DEVICE_BIND_IOMMUFD would: returns its dev_id, or -errno.
    int bind_device(int fd, int iommu) {
        context* ctx = iommufd(fd);
        if (!ctx) return -EBADF;
        if (iommu < 0 || iommu >= static_cast<int>(iommus_.size())) return -EINVAL;
        auto [id, dev] = ctx->objects.create(object_type::device);
        dev.iommu = iommu;
        return static_cast<int>(id);
    }

    // The device learns its VM, as through KVM_DEV_VFIO_FILE_ADD.
    int set_device_vm(int fd, uint32_t dev_id, int vm_fd) {
        context* ctx = iommufd(fd);
        if (!ctx) return -EBADF;
        object* dev = find(*ctx, dev_id, object_type::device);
        if (!dev) return -ENOENT;
        auto vm = vm_of(vm_fd);
        if (!vm) return -EBADF;
        dev->device_vm = vm;
        return 0;
    }

    // ---- file descriptors ---------------------------------------------------

    int open_iommufd() { return add_file(iommufd_file{}); }
    int open_kvm() { return add_file(kvm_system_file{}); }

    int close(int fd) {
        std::unique_ptr<file> f = files_.take(fd);
        if (!f) return -EBADF;
        if (auto* c = std::get_if<iommufd_file>(f.get())) destroy_all(c->ctx);
        if (auto* v = std::get_if<vm_file>(f.get())) release_vm(v->vm);
        if (auto* g = std::get_if<gmem_file>(f.get())) release_vm(g->vm);
        fds_.release(fd);
        return 0;
    }

    bool owns(int fd) const { return files_.find(fd) != nullptr; }

    // ioctl(2) on a fake fd: >= 0 on success, -errno on failure.
    int ioctl(int fd, unsigned long request, void* arg) {
        file* f = files_.find(fd);
        if (!f) return -EBADF;
        if (auto* c = std::get_if<iommufd_file>(f)) return iommufd_ioctl(c->ctx, request, arg);
        if (std::get_if<kvm_system_file>(f)) return kvm_system_ioctl(request, arg);
        if (auto* v = std::get_if<vm_file>(f)) return vm_ioctl(v->vm, request, arg);
        return -ENOTTY;  // a guest_memfd has no ioctls
    }

    // ---- what tests look at -------------------------------------------------

    // Every object, VM, memslot and IOMMU allocation as text: equal texts
    // mean equal states.
    std::string snapshot() const;

    // The ranges TSM map recorded for a vdevice; empty if none or unknown.
    std::vector<range> tsm_mappings(int fd, uint32_t vdevice) const {
        const file* f = files_.find(fd);
        if (!f || !std::get_if<iommufd_file>(f)) return {};
        const context& ctx = std::get<iommufd_file>(*f).ctx;
        const object* o = ctx.objects.find(vdevice);
        if (!o || o->type != object_type::vdevice) return {};
        return {o->tsm_mapped.begin(), o->tsm_mapped.end()};
    }

private:
    struct iommufd_file {
        context ctx;
    };
    struct kvm_system_file {};
    struct vm_file {
        std::shared_ptr<struct vm> vm;
    };
    struct gmem_file {
        std::shared_ptr<struct vm> vm;
        uint64_t size;
    };
    using file = std::variant<iommufd_file, kvm_system_file, vm_file, gmem_file>;

    fd_source fds_;
    fd_table<file> files_;
    std::vector<physical_iommu> iommus_;
    uint64_t next_vm_serial_ = 1;
    int selftest_iommu_ = -1;

    int add_file(file f) {
        int fd = fds_.reserve();
        if (fd < 0) return -errno;
        files_.insert(fd, std::move(f));
        return fd;
    }

    context* iommufd(int fd) {
        auto* c = std::get_if<iommufd_file>(files_.find(fd));
        return c ? &c->ctx : nullptr;
    }

    std::shared_ptr<struct vm> vm_of(int fd) {
        auto* v = std::get_if<vm_file>(files_.find(fd));
        return v ? v->vm : nullptr;
    }

    static object* find(context& ctx, uint32_t id, object_type type) {
        object* o = ctx.objects.find(id);
        return o && o->type == type ? o : nullptr;
    }

    // ---- iommufd dispatch (uapi-facts section 2) ---------------------------

    template <typename Arg>
    static constexpr uint8_t nr_of = command_traits<Arg>::request & 0xff;

    int iommufd_ioctl(context& ctx, unsigned long request, void* user) {
        // 1. The table is indexed by the number's low byte; a slot the kernel
        //    does not have is ENOTTY (the VFIO compatibility path does not
        //    know it either).
        switch (request & 0xff) {
            case nr_of<abi::iommu_destroy>: return run<abi::iommu_destroy, &host::destroy>(ctx, request, user);
            case nr_of<abi::iommu_ioas_alloc>: return run<abi::iommu_ioas_alloc, &host::ioas_alloc>(ctx, request, user);
            case nr_of<abi::iommu_hwpt_alloc>: return run<abi::iommu_hwpt_alloc, &host::hwpt_alloc>(ctx, request, user);
            case nr_of<abi::iommu_viommu_alloc>:
                return run<abi::iommu_viommu_alloc, &host::viommu_alloc>(ctx, request, user);
            case nr_of<abi::iommu_vdevice_alloc>:
                return run<abi::iommu_vdevice_alloc, &host::vdevice_alloc>(ctx, request, user);
            case nr_of<abi::iommu_vdevice_tsm_map>:
                return run<abi::iommu_vdevice_tsm_map, &host::tsm_map>(ctx, request, user);
            case nr_of<abi::iommu_test_cmd>: return run<abi::iommu_test_cmd, &host::test_cmd>(ctx, request, user);
            default: return is_unmodelled_iommufd_nr(request & 0xff) ? -EOPNOTSUPP : -ENOTTY;
        }
    }

    // Steps 2 to 6 for one command. Typed per command, so every copy has a
    // size the compiler knows.
    template <typename Arg, int (host::*Handler)(context&, Arg&)>
    int run(context& ctx, unsigned long request, void* user) {
        using traits = command_traits<Arg>;
        // 2. The leading size is read from the caller's pointer.
        if (!user) return -EFAULT;
        uint32_t size;
        std::memcpy(&size, user, sizeof size);
        // 3. The slot's full request number must match (type, direction, size bits).
        if (request != traits::request) return -ENOTTY;
        // 4. Below the last required field.
        if (size < traits::min_size) return -EINVAL;
        // 5. Extensible-struct copy: accept a long caller only when the bytes
        //    the kernel does not know are zero, zero-extend a short one.
        const auto* bytes = static_cast<const unsigned char*>(user);
        for (size_t i = sizeof(Arg); i < size; ++i)
            if (bytes[i] != 0) return -E2BIG;
        //    When the caller's struct is exactly the kernel's, the kernel's
        //    copy would hold the same bytes, and handlers write their outputs
        //    only once nothing can fail: the handler works on the caller's
        //    struct in place. Copying it in and out costs more than the rest
        //    of a short call, because the loads wait on the caller's
        //    field-by-field stores.
        if (size == sizeof(Arg) && reinterpret_cast<uintptr_t>(user) % alignof(Arg) == 0 &&
            !writes_into_caller_struct(*static_cast<const Arg*>(user)))
            return (this->*Handler)(ctx, *static_cast<Arg*>(user));
        Arg kernel{};
        std::memcpy(&kernel, user, size < sizeof(Arg) ? size : sizeof(Arg));
        // 6. The handler; on success the reply is min(size, sizeof).
        if (int rc = (this->*Handler)(ctx, kernel); rc < 0) return rc;
        std::memcpy(user, &kernel, size < sizeof(Arg) ? size : sizeof(Arg));
        return 0;
    }

    // Whether the handler writes through one of the struct's user pointers
    // into the struct itself. The kernel's copy-out would then overwrite
    // those bytes, so such a call must take the copying path. Only the
    // vIOMMU's driver data is written through a pointer.
    template <typename Arg>
    static bool writes_into_caller_struct(const Arg&) {
        return false;
    }
    static bool writes_into_caller_struct(const abi::iommu_viommu_alloc& cmd) {
        const auto self = reinterpret_cast<uintptr_t>(&cmd);
        return cmd.data_len != 0 && cmd.data_uptr < self + sizeof cmd && self < cmd.data_uptr + cmd.data_len;
    }

    // Commands the kernel's table has but the fake does not model.
    static bool is_unmodelled_iommufd_nr(uint8_t nr) { return nr >= 0x80 && nr <= 0x96; }

    // ---- handlers ------------------------------------------------------------

    // Two-phase creation as the kernel does: each handler checks everything
    // first and calls objects.create() only once nothing can fail, so a
    // failure leaves nothing behind. Outputs are written to `cmd` last too,
    // which lets run() hand over the caller's own struct.

    int destroy(context& ctx, abi::iommu_destroy& cmd) {
        object* found = ctx.objects.find(cmd.id);
        if (!found) return -ENOENT;
        object& o = *found;
        if (o.users > 0 || o.type == object_type::device) return -EBUSY;
        if (o.type == object_type::mock_device) {
            object& idev = ctx.objects.at(o.idev);
            if (idev.users > 0 || idev.vdevice) return -EBUSY;
        }
        remove(ctx, cmd.id);
        return 0;
    }

    int ioas_alloc(context& ctx, abi::iommu_ioas_alloc& cmd) {
        if (cmd.flags != 0) return -EOPNOTSUPP;
        cmd.out_ioas_id = ctx.objects.create(object_type::ioas).id;
        return 0;
    }

    int hwpt_alloc(context& ctx, abi::iommu_hwpt_alloc& cmd) {
        const uint32_t known = abi::IOMMU_HWPT_ALLOC_NEST_PARENT | abi::IOMMU_HWPT_ALLOC_DIRTY_TRACKING |
                               abi::IOMMU_HWPT_FAULT_ID_VALID | abi::IOMMU_HWPT_ALLOC_PASID;
        if ((cmd.flags & ~known) || cmd.__reserved) return -EOPNOTSUPP;
        if (!find(ctx, cmd.dev_id, object_type::device)) return -ENOENT;
        object* pt = ctx.objects.find(cmd.pt_id);
        if (!pt) return -ENOENT;
        // An IOAS gives a paging HWPT; a paging HWPT with user data would give
        // a nested one, which the fake does not model; anything else is EINVAL.
        if (pt->type == object_type::hwpt_paging) return -EOPNOTSUPP;
        if (pt->type != object_type::ioas) return -EINVAL;
        if (cmd.data_type != abi::IOMMU_HWPT_DATA_NONE) return -EOPNOTSUPP;
        pt->users++;
        auto [id, hwpt] = ctx.objects.create(object_type::hwpt_paging);  // may move pt
        hwpt.ioas = cmd.pt_id;
        hwpt.nest_parent = cmd.flags & abi::IOMMU_HWPT_ALLOC_NEST_PARENT;
        cmd.out_hwpt_id = id;
        return 0;
    }

    static bool supports(iommu_kind kind, uint32_t type) {
        switch (kind) {
            case iommu_kind::arm_smmuv3: return type == abi::IOMMU_VIOMMU_TYPE_ARM_SMMUV3;
            case iommu_kind::amd: return type == abi::IOMMU_VIOMMU_TYPE_AMD;
            case iommu_kind::selftest: return type == abi::IOMMU_VIOMMU_TYPE_SELFTEST;
        }
        return false;
    }

    int viommu_alloc(context& ctx, abi::iommu_viommu_alloc& cmd) {
        // Section 5 with seed 001's flag, in the kernel's order.
        if ((cmd.flags & ~static_cast<uint32_t>(abi::IOMMU_VIOMMU_KVM_FD)) || cmd.type == abi::IOMMU_VIOMMU_TYPE_DEFAULT)
            return -EOPNOTSUPP;
        object* dev = find(ctx, cmd.dev_id, object_type::device);
        if (!dev) return -ENOENT;
        physical_iommu& iommu = iommus_[static_cast<std::size_t>(dev->iommu)];  // bind_device checked the index
        if (!supports(iommu.kind, cmd.type)) return -EOPNOTSUPP;
        object* hwpt = find(ctx, cmd.hwpt_id, object_type::hwpt_paging);
        if (!hwpt) return -ENOENT;
        if (!hwpt->nest_parent) return -EINVAL;
        std::shared_ptr<struct vm> kvm;
        if (cmd.flags & abi::IOMMU_VIOMMU_KVM_FD) {
            kvm = vm_of(cmd.kvm_vm_fd);
            if (!kvm) return -EBADF;
            // Seed 001 review: the device's VM and the vIOMMU's must agree.
            if (dev->device_vm && dev->device_vm != kvm) return -EINVAL;
        }
        viommu_grant grant{std::move(kvm), std::nullopt};
        if (int rc = driver_init(iommu, grant, cmd); rc < 0) return rc;
        const int iommu_index = dev->iommu;
        hwpt->users++;
        if (grant.vm) grant.vm->holders++;
        if (grant.gid) iommu.gids_in_use.insert(*grant.gid);
        auto [id, v] = ctx.objects.create(object_type::viommu);  // may move dev and hwpt
        v.hwpt = cmd.hwpt_id;
        v.iommu = iommu_index;
        v.viommu_type = cmd.type;
        v.vm = std::move(grant.vm);
        v.has_gid = grant.gid.has_value();
        v.gid = grant.gid.value_or(0);
        cmd.out_viommu_id = id;
        return 0;
    }

    // What a vIOMMU gets from its driver's init: the VM it holds (from the
    // KVM flag or the driver's data) and, on AMD, its Guest ID.
    struct viommu_grant {
        std::shared_ptr<struct vm> vm;
        std::optional<uint32_t> gid;
    };

    // The driver's part of vIOMMU init: reads and answers its data. Nothing
    // is committed here; viommu_alloc commits on success.
    int driver_init(physical_iommu& iommu, viommu_grant& v, abi::iommu_viommu_alloc& cmd) {
        void* data = reinterpret_cast<void*>(static_cast<uintptr_t>(cmd.data_uptr));
        if (cmd.data_len && !data) return -EFAULT;
        switch (iommu.kind) {
            case iommu_kind::arm_smmuv3:
                return cmd.data_len == 0 ? 0 : -EINVAL;
            case iommu_kind::selftest: {
                if (cmd.data_len == 0) return 0;
                if (cmd.data_len != sizeof(abi::iommu_viommu_selftest)) return -EINVAL;
                auto* d = static_cast<abi::iommu_viommu_selftest*>(data);
                d->out_data = d->in_data;  // the mock's loopback
                d->out_mmap_offset = 0x1000;
                d->out_mmap_length = page_size;
                return 0;
            }
            case iommu_kind::amd: {
                if (cmd.data_len != sizeof(abi::iommu_viommu_amd)) return -EINVAL;
                auto* d = static_cast<abi::iommu_viommu_amd*>(data);
                auto kvm = vm_of(d->kvmfd);
                if (!kvm) return -EINVAL;  // seed 000: the VM behind kvmfd is required
                if (v.vm && v.vm != kvm) return -EINVAL;  // no mixing of VMs
                uint32_t gid = 0;
                while (gid < iommu.gid_capacity && iommu.gids_in_use.count(gid)) ++gid;
                if (gid == iommu.gid_capacity) return -ENOSPC;
                v.gid = gid;
                v.vm = kvm;
                if (!iommu.trans_devid_by_vm.count(kvm->serial)) iommu.trans_devid_by_vm[kvm->serial] = iommu.next_trans_devid++;
                d->out_vfmmio_mmap_offset = static_cast<uint64_t>(gid + 1) * page_size;
                return 0;
            }
        }
        return -EOPNOTSUPP;
    }

    int vdevice_alloc(context& ctx, abi::iommu_vdevice_alloc& cmd) {
        if (cmd.virt_id > ULONG_MAX) return -EINVAL;
        object* v = find(ctx, cmd.viommu_id, object_type::viommu);
        if (!v) return -ENOENT;
        object* dev = find(ctx, cmd.dev_id, object_type::device);
        if (!dev) return -ENOENT;
        if (dev->iommu != v->iommu) return -EINVAL;
        if (dev->device_vm && v->vm && dev->device_vm != v->vm) return -EINVAL;  // seed 001 review
        if (dev->vdevice) return -EEXIST;
        for (const auto& [virt, id] : v->vdev_by_virt_id)
            if (virt == cmd.virt_id) return -EEXIST;
        auto [id, vd] = ctx.objects.create(object_type::vdevice);  // may move v and dev
        vd.viommu = cmd.viommu_id;
        vd.device = cmd.dev_id;
        vd.virt_id = cmd.virt_id;
        object& viommu = ctx.objects.at(cmd.viommu_id);
        viommu.users++;
        viommu.vdev_by_virt_id.emplace_back(cmd.virt_id, id);
        ctx.objects.at(cmd.dev_id).vdevice = id;
        cmd.out_vdevice_id = id;
        return 0;
    }

    int tsm_map(context& ctx, abi::iommu_vdevice_tsm_map& cmd) {
        if (cmd.flags != 0) return -EOPNOTSUPP;
        object* vd = find(ctx, cmd.vdevice_id, object_type::vdevice);
        if (!vd) return -ENOENT;
        const object& v = ctx.objects.at(vd->viommu);
        if (!v.vm) return -ENODEV;
        if (cmd.start_gpa % page_size || cmd.end_gpa % page_size || cmd.start_gpa >= cmd.end_gpa) return -EINVAL;
        for (uint64_t page = cmd.start_gpa; page < cmd.end_gpa;) {
            const memslot* slot = nullptr;
            for (const auto& [n, s] : v.vm->slots)
                if (s.private_capable && s.gpa <= page && page - s.gpa < s.size) slot = &s;
            if (!slot) return -EINVAL;
            page = slot->gpa + slot->size;  // the rest of this slot is covered
        }
        vd->tsm_mapped.push_back({cmd.start_gpa, cmd.end_gpa});
        return 0;
    }

    int test_cmd(context& ctx, abi::iommu_test_cmd& cmd) {
        if (cmd.op != abi::IOMMU_TEST_OP_MOCK_DOMAIN) return -EOPNOTSUPP;
        const object* pt = ctx.objects.find(cmd.id);
        if (!pt || (pt->type != object_type::ioas && pt->type != object_type::hwpt_paging)) return -ENOENT;
        const bool on_ioas = pt->type == object_type::ioas;
        if (selftest_iommu_ < 0) selftest_iommu_ = add_iommu(iommu_kind::selftest);
        // Kernel order: the selftest object, then the bound device, then the
        // automatic domain the attach makes for an IOAS.
        const uint32_t stdev = ctx.objects.create(object_type::mock_device).id;
        const uint32_t idev = ctx.objects.create(object_type::device).id;
        ctx.objects.at(idev).iommu = selftest_iommu_;
        uint32_t hwpt = cmd.id;
        if (on_ioas) {
            ctx.objects.at(cmd.id).users++;
            hwpt = ctx.objects.create(object_type::hwpt_paging).id;
            object& auto_domain = ctx.objects.at(hwpt);
            auto_domain.ioas = cmd.id;
            auto_domain.auto_domain = true;
        }
        ctx.objects.at(hwpt).users++;
        ctx.objects.at(idev).attached_hwpt = hwpt;
        ctx.objects.at(stdev).idev = idev;
        cmd.mock_domain.out_stdev_id = stdev;
        cmd.mock_domain.out_hwpt_id = hwpt;
        cmd.mock_domain.out_idev_id = idev;
        return 0;
    }

    // ---- removal -------------------------------------------------------------

    // Drops one object and what it holds. Callers checked it has no users.
    // The slot is emptied last, after the objects it held are updated.
    void remove(context& ctx, uint32_t id) {
        object& o = ctx.objects.at(id);
        switch (o.type) {
            case object_type::ioas:
            case object_type::device:
                break;
            case object_type::hwpt_paging:
                ctx.objects.at(o.ioas).users--;
                break;
            case object_type::viommu:
                ctx.objects.at(o.hwpt).users--;
                if (o.has_gid) iommus_.at(static_cast<std::size_t>(o.iommu)).gids_in_use.erase(o.gid);
                if (o.vm) release_vm(o.vm);
                break;
            case object_type::vdevice: {
                object& v = ctx.objects.at(o.viommu);
                v.users--;
                std::erase_if(v.vdev_by_virt_id, [&](const auto& entry) { return entry.first == o.virt_id; });
                if (object* d = ctx.objects.find(o.device)) d->vdevice = 0;
                break;
            }
            case object_type::mock_device: {
                // Detach and unbind the device; its automatic domain goes too.
                uint32_t hwpt = ctx.objects.at(o.idev).attached_hwpt;
                ctx.objects.erase(o.idev);
                object& h = ctx.objects.at(hwpt);
                h.users--;
                if (h.auto_domain && h.users == 0) {
                    // What removing a paging HWPT does, written out so that
                    // remove() does not call itself: a recursive function
                    // saves every register on each call.
                    ctx.objects.at(h.ioas).users--;
                    ctx.objects.erase(hwpt);
                }
                break;
            }
        }
        ctx.objects.erase(id);
    }

    // Closing the iommufd: dependants first (uapi-facts section 3). Each
    // round removes one object nothing depends on, in the order vdevice,
    // vIOMMU, mock device, HWPT, device, IOAS.
    void destroy_all(context& ctx) {
        static constexpr object_type order[] = {object_type::vdevice, object_type::viommu, object_type::mock_device,
                                                object_type::hwpt_paging, object_type::device, object_type::ioas};
        for (bool removed = true; removed && !ctx.objects.empty();) {
            removed = false;
            for (object_type t : order) {
                uint32_t victim = 0;
                ctx.objects.any([&](uint32_t id, const object& o) {
                    if (o.type != t || o.users != 0 || o.vdevice != 0) return false;
                    victim = id;
                    return true;
                });
                if (!victim) continue;
                remove(ctx, victim);
                removed = true;
                break;
            }
        }
        ctx.objects.clear();
    }

    void release_vm(const std::shared_ptr<struct vm>& vm) { vm->holders--; }

    // ---- KVM -----------------------------------------------------------------

    int kvm_system_ioctl(unsigned long request, void* arg) {
        if (request != kvm::create_vm) return -ENOTTY;
        auto type = reinterpret_cast<unsigned long>(arg);
        if (type != kvm::default_vm && type != kvm::sw_protected_vm) return -EINVAL;
        auto vm = std::make_shared<struct vm>();
        vm->serial = next_vm_serial_;
        vm->type = type;
        vm->holders = 1;
        int fd = add_file(vm_file{vm});
        if (fd >= 0) ++next_vm_serial_;
        return fd;
    }

    int vm_ioctl(const std::shared_ptr<struct vm>& vm, unsigned long request, void* arg) {
        if (request == kvm::create_guest_memfd) {
            if (!arg) return -EFAULT;
            auto* a = static_cast<kvm::create_guest_memfd_args*>(arg);
            if (vm->type != kvm::sw_protected_vm) return -EINVAL;  // no private memory in this VM type
            if (a->flags || !a->size || a->size % page_size) return -EINVAL;
            int fd = add_file(gmem_file{vm, a->size});
            if (fd >= 0) vm->holders++;  // only once the fd exists: EMFILE changes nothing
            return fd;
        }
        if (request == kvm::set_user_memory_region2) {
            if (!arg) return -EFAULT;
            auto* r = static_cast<kvm::memory_region2*>(arg);
            if (r->flags & ~kvm::mem_guest_memfd) return -EINVAL;
            if (r->guest_phys_addr % page_size || r->memory_size % page_size) return -EINVAL;
            if (r->memory_size == 0) {
                vm->slots.erase(r->slot);
                return 0;
            }
            bool private_capable = r->flags & kvm::mem_guest_memfd;
            if (private_capable) {
                auto* gmem = std::get_if<gmem_file>(files_.find(static_cast<int>(r->guest_memfd)));
                if (!gmem || gmem->vm != vm) return -EINVAL;
                if (r->guest_memfd_offset % page_size || r->guest_memfd_offset + r->memory_size > gmem->size) return -EINVAL;
            }
            vm->slots[r->slot] = memslot{r->guest_phys_addr, r->memory_size, private_capable};
            return 0;
        }
        return -ENOTTY;
    }
};

inline std::string host::snapshot() const {
    std::string out;
    auto put = [&out](const char* key, uint64_t v) { out += std::string(key) + "=" + std::to_string(v) + " "; };
    std::set<const struct vm*> vms;
    files_.for_each([&](int fd, const file& f) {
        put("fd", static_cast<uint64_t>(fd));
        out += std::to_string(f.index()) + "\n";
        if (auto* v = std::get_if<vm_file>(&f)) vms.insert(v->vm.get());
        if (auto* g = std::get_if<gmem_file>(&f)) vms.insert(g->vm.get());
        const auto* c = std::get_if<iommufd_file>(&f);
        if (!c) return;
        c->ctx.objects.any([&](uint32_t id, const object& o) {
            out += "  ";
            put("id", id);
            put("type", static_cast<uint64_t>(o.type));
            put("users", o.users);
            put("ioas", o.ioas);
            put("nest_parent", o.nest_parent);
            put("hwpt", o.hwpt);
            put("iommu", static_cast<uint64_t>(o.iommu + 1));
            put("vm", o.vm ? o.vm->serial : 0);
            put("gid", o.has_gid ? o.gid + 1 : 0);
            put("viommu", o.viommu);
            put("device", o.device);
            put("virt_id", o.virt_id);
            put("vdevice", o.vdevice);
            put("attached", o.attached_hwpt);
            put("device_vm", o.device_vm ? o.device_vm->serial : 0);
            put("idev", o.idev);
            for (const auto& r : o.tsm_mapped) out += "[" + std::to_string(r.start) + "," + std::to_string(r.end) + ") ";
            for (const auto& [virt, vd] : o.vdev_by_virt_id) out += "v" + std::to_string(virt) + "=" + std::to_string(vd) + " ";
            out += "\n";
            if (o.vm) vms.insert(o.vm.get());
            if (o.device_vm) vms.insert(o.device_vm.get());
            return false;
        });
    });
    for (const struct vm* v : vms) {
        put("vm", v->serial);
        put("type", v->type);
        put("holders", static_cast<uint64_t>(v->holders));
        for (const auto& [n, slot] : v->slots) out += std::to_string(n) + ":" + std::to_string(slot.gpa) + "+" + std::to_string(slot.size) + (slot.private_capable ? "p " : " ");
        out += "\n";
    }
    for (const auto& i : iommus_) {
        put("iommu", static_cast<uint64_t>(i.kind));
        for (uint32_t g : i.gids_in_use) put("gid", g);
        for (const auto& [serial, devid] : i.trans_devid_by_vm) put("trans", serial * 100000 + devid);
        out += "\n";
    }
    return out;
}

}  // namespace uapikit::fake
