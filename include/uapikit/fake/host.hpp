// The simulated host: the files a process has open on /dev/iommu,
// /dev/kvm and /dev/vfio/devices/vfioN (and the fds their ioctls return),
// the iommufd contexts behind them, and the machine (platform.hpp). It
// routes each call to the family that answers it, as the kernel's VFS does
// to each file's operations:
//   iommufd        main.hpp (ioctl table, VFIO compatibility)
//   KVM            kvm.hpp
//   VFIO device    vfio_device.hpp
//   fault, vEVENTQ eventq.hpp (read and write)
// Every rejected call leaves every file, object and page exactly as it was;
// docs/fake-semantics.md lists the kernel's documented exceptions.
#pragma once

#include <uapikit/fake/fd_table.hpp>
#include <uapikit/fake/files.hpp>
#include <uapikit/fake/kvm_abi.hpp>
#include <uapikit/fake/main.hpp>
#include <uapikit/fake/topology.hpp>

#include <cerrno>
#include <climits>
#include <cstring>
#include <fcntl.h>
#include <list>
#include <string>
#include <string_view>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace uapikit::fake {

// Where fake file descriptors come from. By default each one reserves a
// real descriptor (on /dev/null), so fake and real fds never collide; the
// LD_PRELOAD library supplies functions that bypass its own interposition.
struct fd_source {
    int (*reserve)() = [] { return ::open("/dev/null", O_RDONLY | O_CLOEXEC); };
    void (*release)(int) = [](int fd) { ::close(fd); };
};

// Whether the process the fake runs in has capability `cap` (capget(2)).
inline bool process_capable(int cap) {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
    if (::syscall(SYS_capget, &header, data) != 0) return false;
    return data[cap / 32].effective & (1u << (cap % 32));
}

// The process's own RLIMIT_MEMLOCK (read at each charge) and capabilities.
inline memlock_policy process_memlock_policy() {
    memlock_policy p;
    p.read_rlimit = true;
    p.ipc_lock = process_capable(CAP_IPC_LOCK);
    return p;
}

class host {
public:
    explicit host(fd_source fds = {}) : fds_(fds), plat_(process_memlock_policy()) {
        plat_.sys_resource = process_capable(CAP_SYS_RESOURCE);
        plat_.host = this;
        plat_.vm_of_fd = [](void* h, int fd) { return static_cast<host*>(h)->vm_of(fd); };
        plat_.new_fd = [](void* h, iommufd_ctx& ictx, uint32_t id, file_role role, const user_space& caller) {
            return static_cast<host*>(h)->new_object_file(ictx, id, role, caller);
        };
        plat_.access_of_fd = [](void* h, int fd, iommufd_ctx** ictx, uint32_t* id) {
            return static_cast<host*>(h)->access_of(fd, ictx, id);
        };
        plat_.close_fd = [](void* h, int fd) { static_cast<host*>(h)->close(fd); };
        plat_.mock_iommu();  // the selftest's mock driver is always loaded
    }
    host(const host&) = delete;
    host& operator=(const host&) = delete;
    ~host() {
        while (!fdt_.empty()) close(fdt_.lowest());
    }

    // ---- hardware, and the machine's description --------------------------

    // A physical IOMMU instance; returns its index.
    int add_iommu(iommu_kind kind, uint32_t gid_capacity = 1u << 16) { return plat_.add_iommu(kind, gid_capacity); }

    // A VFIO device behind `iommu`: /dev/vfio/devices/vfioN, N returned
    // (or -EINVAL for a bad instance).
    int add_device(int iommu) {
        if (iommu < 0 || iommu >= static_cast<int>(plat_.iommus.size())) return -EINVAL;
        uint32_t n = 0;
        while (plat_.devices.count(n)) ++n;
        plat_.devices[n].iommu = iommu;
        return static_cast<int>(n);
    }

    void apply(const topology& t) {
        for (const auto& i : t.iommus) {
            int iommu = add_iommu(i.kind);
            for (unsigned d = 0; d < i.devices; ++d) add_device(iommu);
        }
    }

    // The capabilities the fake's kernel sees the process hold, by default
    // the real process's: CAP_SYS_RESOURCE (changing
    // IOMMU_OPTION_RLIMIT_MODE) and CAP_IPC_LOCK (pinning past
    // RLIMIT_MEMLOCK).
    void set_capabilities(bool sys_resource, bool ipc_lock) {
        plat_.sys_resource = sys_resource;
        plat_.pins.set_ipc_lock(ipc_lock);
    }

    // A fixed RLIMIT_MEMLOCK (in pages) for the fake's kernel to charge
    // pinned pages against, instead of the process's own, which is read at
    // each charge (setrlimit(2) at any time counts, as on the kernel).
    void set_memlock_limit(uint64_t pages) { plat_.pins.set_limit(pages); }
    // Back to the process's own RLIMIT_MEMLOCK, the default.
    void use_process_memlock_limit() { plat_.pins.follow_rlimit(); }

    platform& machine() { return plat_; }
    const platform& machine() const { return plat_; }

    // ---- file descriptors ----------------------------------------------------

    // open(2) of a device node: /dev/iommu, /dev/kvm or /dev/vfio/devices/vfioN;
    // any other path is not the fake's (ENOENT).
    int open(std::string_view path) {
        if (path == "/dev/iommu") return open_iommufd();
        if (path == "/dev/kvm") return open_kvm();
        constexpr std::string_view vfio = "/dev/vfio/devices/vfio";
        if (path.substr(0, vfio.size()) == vfio && path.size() > vfio.size()) {
            uint32_t n = 0;
            for (char c : path.substr(vfio.size())) {
                if (c < '0' || c > '9' || n > 100000) return -ENOENT;
                n = n * 10 + static_cast<uint32_t>(c - '0');
            }
            if (!plat_.devices.count(n) || n >= platform::mock_base) return -ENOENT;
            return add_file(vfio_device_file{n, nullptr, 0, false, nullptr});
        }
        return -ENOENT;
    }
    // Whether `path` names one of the fake's device nodes.
    bool is_device_node(std::string_view path) const {
        return path == "/dev/iommu" || path == "/dev/kvm" || path.substr(0, 23) == "/dev/vfio/devices/vfio";
    }

    int open_iommufd() {
        contexts_.emplace_back();
        int fd = add_file(iommufd_file{&contexts_.back()});
        if (fd < 0) contexts_.pop_back();
        return fd;
    }
    int open_kvm() { return add_file(kvm_system_file{}); }

    int close(int fd) {
        file* f = fdt_.take(fd);
        if (!f) return -EBADF;
        fds_.release(fd);
        fput(f);
        return 0;
    }

    bool owns(int fd) const { return fdt_.find(fd) != nullptr; }

    // dup(2) of a fake fd: `newfd` then names the same file, which the
    // kernel shares rather than copies (one struct file for both fds), so
    // a call through either acts on one context or device, and the file
    // is released only when the last of them closes. With newfd < 0 the
    // host reserves the lowest free descriptor; otherwise newfd is one the
    // caller already holds for it and that is not the host's (the
    // preload's real dup of oldfd's /dev/null, at the number dup2(2),
    // dup3(2) or F_DUPFD asked for). Answers newfd, -EBADF when oldfd is
    // not the host's, or the reservation's -errno.
    int dup(int oldfd, int newfd = -1) {
        file* f = fdt_.find(oldfd);
        if (!f) return -EBADF;
        if (newfd < 0) {
            newfd = fds_.reserve();
            if (newfd < 0) return -errno;
        }
        f->refs++;
        fdt_.insert(newfd, f);
        return newfd;
    }

    // ioctl(2) from this process: >= 0 on success, -errno on failure.
    int ioctl(int fd, unsigned long request, void* arg) {
        return ioctl(fd, request, static_cast<uint64_t>(reinterpret_cast<uintptr_t>(arg)), user_space{});
    }
    // ioctl(2) from `caller`, whose memory `arg` (a pointer or a number) is in.
    int ioctl(int fd, unsigned long request, uint64_t arg, const user_space& caller);

    // read(2) and write(2) from this process, of the fds that have them
    // (fault queues, vEVENTQs): bytes done, or -errno.
    long read(int fd, void* buf, std::size_t count) {
        return read(fd, static_cast<uint64_t>(reinterpret_cast<uintptr_t>(buf)), count, user_space{});
    }
    long write(int fd, const void* buf, std::size_t count) {
        return write(fd, static_cast<uint64_t>(reinterpret_cast<uintptr_t>(buf)), count, user_space{});
    }
    // The same with `buf` as a number: an address in `caller`'s memory.
    long read(int fd, uint64_t buf, uint64_t count, const user_space& caller = {});
    long write(int fd, uint64_t buf, uint64_t count, const user_space& caller = {});

    // ---- what tests look at ----------------------------------------------------

    // Every file, object, page pin and VM as text: equal texts mean equal states.
    std::string snapshot() const;

    // The ranges the TSM map proposal recorded for a vdevice; empty if none.
    std::vector<std::pair<uint64_t, uint64_t>> tsm_mappings(int fd, uint32_t vdevice) const {
        const file* f = fdt_.find(fd);
        const auto* i = f ? std::get_if<iommufd_file>(&f->kind) : nullptr;
        if (!i) return {};
        const auto* s = i->ctx->objects.find(vdevice);
        const auto* vd = s ? std::get_if<vdevice_object>(&s->obj) : nullptr;
        return vd ? vd->tsm_mapped : std::vector<std::pair<uint64_t, uint64_t>>{};
    }

    // ---- for the file families (kvm.hpp, vfio_device.hpp) ------------------------

    // A new fd for a new file, or -errno when no fd can be reserved.
    template <typename Kind>
    int add_file(Kind k) {
        int fd = fds_.reserve();
        if (fd < 0) return -errno;
        files_.push_back(file{1, std::move(k)});
        fdt_.insert(fd, &files_.back());
        return fd;
    }
    file* find(int fd) const { return fdt_.find(fd); }
    template <typename F>
    void for_each_file(F f) const {
        fdt_.for_each(f);
    }
    // Drops one reference; the last one releases the file.
    void fput(file* f);
    void ctx_get(iommufd_ctx& ictx) { ictx.refs++; }
    void ctx_put(iommufd_ctx& ictx);

    std::shared_ptr<struct vm> vm_of(int fd) const {
        const file* f = fdt_.find(fd);
        const auto* v = f ? std::get_if<vm_file>(&f->kind) : nullptr;
        return v ? v->vm : nullptr;
    }

private:
    fd_source fds_;
    fd_table<file> fdt_;
    std::list<file> files_;
    std::list<iommufd_ctx> contexts_;
    platform plat_;

    // A file of an iommufd object, made while its ioctl runs. It can only
    // be given to the process that holds the fake: the fd number goes
    // into the caller's descriptor table.
    int new_object_file(iommufd_ctx& ictx, uint32_t id, file_role role, const user_space& caller) {
        if (caller.mm().pid != 0) return -EOPNOTSUPP;
        int fd = add_file(object_file{&ictx, id, role});
        if (fd >= 0) ctx_get(ictx);
        return fd;
    }

    bool access_of(int fd, iommufd_ctx** ictx, uint32_t* id) const {
        const file* f = fdt_.find(fd);
        const auto* o = f ? std::get_if<object_file>(&f->kind) : nullptr;
        if (!o || o->role != file_role::access) return false;
        *ictx = o->ctx;
        *id = o->id;
        return true;
    }

    void release(file& f);
};

}  // namespace uapikit::fake

#include <uapikit/fake/kvm.hpp>
#include <uapikit/fake/snapshot.hpp>
#include <uapikit/fake/vfio_device.hpp>

namespace uapikit::fake {

inline int host::ioctl(int fd, unsigned long request, uint64_t arg, const user_space& caller) {
    file* f = fdt_.find(fd);
    if (!f) return -EBADF;
    if (auto* i = std::get_if<iommufd_file>(&f->kind)) return iommufd_ioctl(*i->ctx, plat_, caller, request, arg);
    if (std::holds_alternative<kvm_system_file>(f->kind)) return kvm::system_ioctl(*this, request, arg, caller);
    if (auto* v = std::get_if<vm_file>(&f->kind)) return kvm::vm_ioctl(*this, v->vm, request, arg, caller);
    if (auto* d = std::get_if<kvm_vfio_file>(&f->kind)) return kvm::device_ioctl(*this, *d, request, arg, caller);
    if (auto* d = std::get_if<vfio_device_file>(&f->kind)) return vfio_device_ioctl(*this, *f, *d, request, arg, caller);
    return -ENOTTY;  // guest_memfd, fault queues, vEVENTQs and accesses have no ioctls here
}

inline long host::read(int fd, uint64_t buf, uint64_t count, const user_space& caller) {
    file* f = fdt_.find(fd);
    if (!f) return -EBADF;
    const auto* o = std::get_if<object_file>(&f->kind);
    if (!o) return -EINVAL;
    if (o->role == file_role::fault) return fault_read(o->ctx->objects.at_as<fault_object>(o->id), caller, buf, count);
    if (o->role == file_role::veventq) return veventq_read(o->ctx->objects.at_as<veventq_object>(o->id), caller, buf, count);
    return -EINVAL;
}

inline long host::write(int fd, uint64_t buf, uint64_t count, const user_space& caller) {
    file* f = fdt_.find(fd);
    if (!f) return -EBADF;
    const auto* o = std::get_if<object_file>(&f->kind);
    if (!o || o->role != file_role::fault) return -EINVAL;
    return fault_write(o->ctx->objects.at_as<fault_object>(o->id), caller, buf, count);
}

inline void host::ctx_put(iommufd_ctx& ictx) {
    if (--ictx.refs) return;
    context_release(ictx, plat_);
    contexts_.remove_if([&](const iommufd_ctx& c) { return &c == &ictx; });
}

inline void host::fput(file* f) {
    if (--f->refs) return;
    release(*f);
    files_.remove_if([f](const file& g) { return &g == f; });
}

inline void host::release(file& f) {
    if (auto* i = std::get_if<iommufd_file>(&f.kind)) ctx_put(*i->ctx);
    if (auto* v = std::get_if<vm_file>(&f.kind)) v->vm->holders--;
    if (auto* g = std::get_if<gmem_file>(&f.kind)) {
        for (auto& [n, slot] : g->vm->slots)  // kvm_gmem_release(): its slots lose the binding
            if (slot.gmem == g->serial) slot.gmem = 0;
        g->vm->holders--;
    }
    if (auto* d = std::get_if<kvm_vfio_file>(&f.kind)) kvm::device_release(*this, *d);
    if (auto* d = std::get_if<vfio_device_file>(&f.kind)) vfio_device_release(*this, *d);
    if (auto* o = std::get_if<object_file>(&f.kind)) {
        iommufd_ctx& ictx = *o->ctx;
        if (o->role == file_role::access)
            access_destroy(ictx, plat_, o->id);
        else
            ictx.objects.at(o->id).users--;  // the queue can now be destroyed
        ctx_put(ictx);
    }
}

}  // namespace uapikit::fake
