// libuapikit-preload.so: run an unmodified program against the fake host.
//
//   LD_PRELOAD=libuapikit-preload.so ./vmm
//
// open() of /dev/iommu, /dev/kvm and /dev/vfio/devices/vfioN makes fake
// fds; ioctl, read, write, close and the dup family (dup, dup2, dup3,
// fcntl's F_DUPFD) on fds the fake owns are answered by it; every other
// call goes on to libc. The host's machine comes from
// UAPIKIT_FAKE_TOPOLOGY (fake/topology.hpp). A child the program forks
// reaches the files it inherited through its parent (remote.hpp).

// Meson compiles with -D_FILE_OFFSET_BITS=64, under which <fcntl.h> renames
// `open` to `open64` in assembly: our `open` would then define open64 twice.
#undef _FILE_OFFSET_BITS

#include "remote.hpp"

#include <uapikit/fake/host.hpp>

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <mutex>
#include <new>
#include <sys/syscall.h>
#include <unistd.h>

// <sys/ioctl.h> declares it noexcept (glibc's __THROW); say the same in case
// another header brings that declaration in.
extern "C" int ioctl(int fd, unsigned long request, ...) noexcept;

namespace uapikit::preload {

using fake::fd_source;
using fake::host;

// Which descriptors are the fake's, readable without a lock: read(2) and
// write(2) of every fd in the program pass here. Set when the host
// reserves a descriptor, cleared when it lets one go.
constexpr std::size_t fd_bits = 1 << 16;
std::atomic<uint64_t> fake_fd_bits[fd_bits / 64];

void mark(int fd, bool fake) {
    if (fd < 0 || static_cast<std::size_t>(fd) >= fd_bits) return;
    uint64_t bit = uint64_t{1} << (fd % 64);
    if (fake)
        fake_fd_bits[fd / 64].fetch_or(bit, std::memory_order_release);
    else
        fake_fd_bits[fd / 64].fetch_and(~bit, std::memory_order_release);
}

// Whether fd may be the fake's: false means certainly not.
bool maybe_fake(int fd) {
    if (fd < 0) return false;
    if (static_cast<std::size_t>(fd) >= fd_bits) return true;  // look it up under the lock
    return fake_fd_bits[fd / 64].load(std::memory_order_acquire) & (uint64_t{1} << (fd % 64));
}

// Fake fds still reserve a real descriptor so that fake and real numbers
// never collide; raw syscalls keep that reservation out of our own open/close.
int reserve_fd() {
    long fd = syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) mark(static_cast<int>(fd), true);
    return static_cast<int>(fd);  // -1 with errno set on failure, as host expects
}
void release_fd(int fd) {
    mark(fd, false);
    syscall(SYS_close, fd);
}

std::mutex host_mutex;

// Set while this thread is inside the fake. Anything the fake (or the
// allocator under it) calls back into then goes straight to libc.
thread_local bool inside = false;

// A bad value of one of our environment variables ends the program as a
// bad command-line argument would: one line on stderr naming the variable,
// its value and the part that is wrong, and exit status 2
// (docs/fake-semantics.md). exit(), not abort(): no core dump for a typo,
// and the program's buffered output still goes out. Whatever the program's
// exit handlers call on this thread goes straight to libc (`inside`).
[[noreturn]] void bad_variable(const char* name, const char* value, const std::string& why) {
    std::fprintf(stderr, "libuapikit-preload: %s=\"%s\": %s\n", name, value, why.c_str());
    std::exit(2);
}

host* make_host() {
    const char* text = std::getenv(fake::topology_variable);
    fake::topology t;
    std::string error;
    if (!fake::parse_topology(text ? text : fake::default_topology, &t, &error))
        bad_variable(fake::topology_variable, text ? text : fake::default_topology, error);
    bool sys_resource = false, ipc_lock = false;
    const char* caps = std::getenv(fake::capabilities_variable);
    if (caps && !fake::parse_capabilities(caps, &sys_resource, &ipc_lock, &error))
        bad_variable(fake::capabilities_variable, caps, error);
    auto* h = new host(fd_source{reserve_fd, release_fd});
    h->apply(t);
    if (caps) h->set_capabilities(sys_resource, ipc_lock);
    return h;
}

// Built on first use and never destroyed: the program may still close fds
// from its own static destructors after ours would have run.
host*& host_slot() {
    static host* h = nullptr;
    return h;
}
host& the_host() {
    host*& h = host_slot();
    if (!h) h = make_host();
    return *h;
}

in_fake::in_fake() : lock_(host_mutex) { inside = true; }
in_fake::~in_fake() { inside = false; }

// The host answers >= 0 or -errno; libc callers expect -1 and errno.
template <typename T>
T to_libc(T rc) {
    if (rc >= 0) return rc;
    errno = static_cast<int>(-rc);
    return -1;
}

// The host allocates; an out-of-memory there is what the kernel reports as ENOMEM.
template <typename F>
auto guarded(F f) -> decltype(f()) {
    try {
        return to_libc(f());
    } catch (const std::bad_alloc&) {
        return to_libc(decltype(f())(-ENOMEM));
    }
}

// The next definition of `name` after ours (normally libc's), looked up on
// first use. Atomic because any thread may be first.
template <typename Fn>
Fn next(const char* name, std::atomic<void*>& cache) {
    void* f = cache.load(std::memory_order_relaxed);
    if (!f) {
        f = dlsym(RTLD_NEXT, name);
        cache.store(f, std::memory_order_relaxed);
    }
    return reinterpret_cast<Fn>(f);
}

using open_fn = int (*)(const char*, int, ...);
using openat_fn = int (*)(int, const char*, int, ...);
using open2_fn = int (*)(const char*, int);
using openat2_fn = int (*)(int, const char*, int);
using ioctl_fn = int (*)(int, unsigned long, ...);
using close_fn = int (*)(int);
using dup_fn = int (*)(int);
using dup2_fn = int (*)(int, int);
using dup3_fn = int (*)(int, int, int);
using fcntl_fn = int (*)(int, int, ...);
using read_fn = ssize_t (*)(int, void*, size_t);
using write_fn = ssize_t (*)(int, const void*, size_t);

std::atomic<void*> real_open, real_open64, real_openat, real_openat64, real_ioctl, real_close, real_read, real_write;
std::atomic<void*> real_open_2, real_open64_2, real_openat_2, real_openat64_2;
std::atomic<void*> real_dup, real_dup2, real_dup3, real_fcntl, real_fcntl64;

int missing() {
    errno = ENOSYS;
    return -1;
}

// Only absolute device paths are caught: a VMM names them that way, and a
// relative path would need its directory fd resolved.
bool is_device(const char* path) {
    return path && (std::strcmp(path, "/dev/iommu") == 0 || std::strcmp(path, "/dev/kvm") == 0 ||
                    std::strncmp(path, "/dev/vfio/devices/vfio", 22) == 0);
}

// open's third argument exists only when the flags create a file.
mode_t mode_of(int flags, va_list ap) {
    return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? va_arg(ap, mode_t) : 0;
}

// The device paths open in the fake; anything else goes to `pass_on`.
template <typename Next>
int route_open(const char* path, Next pass_on) {
    if (!inside && is_device(path)) {
        in_fake guard;
        return guarded([&] { return the_host().open(path); });
    }
    return pass_on();
}

// dup(2) and its kin. A fake fd is a /dev/null descriptor, so the caller
// duplicates that descriptor for real (at the number the call asks for),
// giving `made`, and the host then gives the copy the same file. Under the
// lock: the caller holds it.
int dup_fake(host& h, int oldfd, int made) {
    if (made < 0) return -1;  // errno from the real call
    mark(made, true);
    if (int rc = h.dup(oldfd, made); rc < 0) {
        release_fd(made);
        errno = -rc;
        return -1;
    }
    return made;
}

// dup(2) and fcntl(2)'s F_DUPFD of `oldfd`, at a number the kernel picks:
// the copy is the fake's when oldfd is. `make` performs the real call.
template <typename Make>
int dup_from(int oldfd, Make make) {
    if (inside || !maybe_fake(oldfd) || remote_owned(oldfd)) return make();
    in_fake guard;
    host& h = the_host();
    if (!h.owns(oldfd)) return make();
    return dup_fake(h, oldfd, make());
}

// dup2(2) and dup3(2) onto `newfd`: a fake file there is closed first, as
// the kernel closes whatever newfd named; then the new descriptor is the
// fake's when oldfd is. `make` performs the real call.
template <typename Make>
int dup_onto(int oldfd, int newfd, Make make) {
    if (inside || (!maybe_fake(oldfd) && !maybe_fake(newfd)) || remote_owned(oldfd) || remote_owned(newfd))
        return make();
    in_fake guard;
    host& h = the_host();
    if (oldfd == newfd || !h.owns(oldfd)) {
        // Not the fake's to copy: newfd, if it was the fake's, stops being
        // so, unless the call fails first on a closed oldfd (EBADF), which
        // leaves newfd alone.
        if (oldfd != newfd && h.owns(newfd)) {
            if (syscall(SYS_fcntl, oldfd, F_GETFD) < 0) return -1;  // errno EBADF
            h.close(newfd);
        }
        return make();
    }
    if (h.owns(newfd)) h.close(newfd);
    return dup_fake(h, oldfd, make());
}

}  // namespace uapikit::preload

using namespace uapikit::preload;

#define UAPIKIT_EXPORT extern "C" __attribute__((visibility("default")))

UAPIKIT_EXPORT int open(const char* path, int flags, ...) {
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_of(flags, ap);
    va_end(ap);
    return route_open(path, [&] {
        auto f = next<open_fn>("open", real_open);
        return f ? f(path, flags, mode) : missing();
    });
}

UAPIKIT_EXPORT int open64(const char* path, int flags, ...) {
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_of(flags, ap);
    va_end(ap);
    return route_open(path, [&] {
        auto f = next<open_fn>("open64", real_open64);
        return f ? f(path, flags, mode) : missing();
    });
}

UAPIKIT_EXPORT int openat(int dirfd, const char* path, int flags, ...) {
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_of(flags, ap);
    va_end(ap);
    return route_open(path, [&] {
        auto f = next<openat_fn>("openat", real_openat);
        return f ? f(dirfd, path, flags, mode) : missing();
    });
}

UAPIKIT_EXPORT int openat64(int dirfd, const char* path, int flags, ...) {
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_of(flags, ap);
    va_end(ap);
    return route_open(path, [&] {
        auto f = next<openat_fn>("openat64", real_openat64);
        return f ? f(dirfd, path, flags, mode) : missing();
    });
}

// What _FORTIFY_SOURCE builds call instead when the flags are not a
// compile-time constant, as in most VMMs.
UAPIKIT_EXPORT int __open_2(const char* path, int flags) {
    return route_open(path, [&] {
        auto f = next<open2_fn>("__open_2", real_open_2);
        return f ? f(path, flags) : missing();
    });
}

UAPIKIT_EXPORT int __open64_2(const char* path, int flags) {
    return route_open(path, [&] {
        auto f = next<open2_fn>("__open64_2", real_open64_2);
        return f ? f(path, flags) : missing();
    });
}

UAPIKIT_EXPORT int __openat_2(int dirfd, const char* path, int flags) {
    return route_open(path, [&] {
        auto f = next<openat2_fn>("__openat_2", real_openat_2);
        return f ? f(dirfd, path, flags) : missing();
    });
}

UAPIKIT_EXPORT int __openat64_2(int dirfd, const char* path, int flags) {
    return route_open(path, [&] {
        auto f = next<openat2_fn>("__openat64_2", real_openat64_2);
        return f ? f(dirfd, path, flags) : missing();
    });
}

// The third argument is whatever the caller passed, read as one machine
// word like the kernel does: a pointer for iommufd and VFIO, a plain
// number for KVM_CREATE_VM (the VM type) or VFIO_CHECK_EXTENSION.
// Ownership is checked under the lock, since another thread may be
// closing that fd.
UAPIKIT_EXPORT int ioctl(int fd, unsigned long request, ...) noexcept {
    va_list ap;
    va_start(ap, request);
    void* arg = va_arg(ap, void*);
    va_end(ap);
    if (!inside && maybe_fake(fd)) {
        if (remote_owned(fd)) return remote_ioctl(fd, request, arg);
        in_fake guard;
        host& h = the_host();
        // Copied, not used in place: a C program may pass any pointer, and the
        // kernel answers a bad one with EFAULT.
        if (h.owns(fd))
            return guarded([&] {
                return h.ioctl(fd, request, static_cast<uint64_t>(reinterpret_cast<uintptr_t>(arg)),
                               uapikit::fake::user_space::own_copied());
            });
    }
    auto f = next<ioctl_fn>("ioctl", real_ioctl);
    return f ? f(fd, request, arg) : missing();
}

UAPIKIT_EXPORT ssize_t read(int fd, void* buf, size_t count) {
    if (!inside && maybe_fake(fd)) {
        if (remote_owned(fd)) {  // an event queue's records stay with the process holding it
            errno = EOPNOTSUPP;
            return -1;
        }
        in_fake guard;
        host& h = the_host();
        if (h.owns(fd))
            return guarded([&] { return static_cast<ssize_t>(h.read(fd, reinterpret_cast<uintptr_t>(buf), count)); });
    }
    auto f = next<read_fn>("read", real_read);
    return f ? f(fd, buf, count) : missing();
}

UAPIKIT_EXPORT ssize_t write(int fd, const void* buf, size_t count) {
    if (!inside && maybe_fake(fd)) {
        if (remote_owned(fd)) {  // an event queue's records stay with the process holding it
            errno = EOPNOTSUPP;
            return -1;
        }
        in_fake guard;
        host& h = the_host();
        if (h.owns(fd))
            return guarded([&] { return static_cast<ssize_t>(h.write(fd, reinterpret_cast<uintptr_t>(buf), count)); });
    }
    auto f = next<write_fn>("write", real_write);
    return f ? f(fd, buf, count) : missing();
}

UAPIKIT_EXPORT int close(int fd) {
    if (!inside && maybe_fake(fd)) {
        if (remote_owned(fd)) return remote_close(fd);
        in_fake guard;
        host& h = the_host();
        if (h.owns(fd)) return guarded([&] { return h.close(fd); });
    }
    auto f = next<close_fn>("close", real_close);
    return f ? f(fd) : missing();
}

UAPIKIT_EXPORT int dup(int oldfd) {
    auto f = next<dup_fn>("dup", real_dup);
    if (!f) return missing();
    return dup_from(oldfd, [&] { return f(oldfd); });
}

UAPIKIT_EXPORT int dup2(int oldfd, int newfd) {
    auto f = next<dup2_fn>("dup2", real_dup2);
    if (!f) return missing();
    return dup_onto(oldfd, newfd, [&] { return f(oldfd, newfd); });
}

UAPIKIT_EXPORT int dup3(int oldfd, int newfd, int flags) {
    auto f = next<dup3_fn>("dup3", real_dup3);
    if (!f) return missing();
    // The kernel's EINVALs, before newfd is touched.
    if (oldfd == newfd || (flags & ~O_CLOEXEC)) return f(oldfd, newfd, flags);
    return dup_onto(oldfd, newfd, [&] { return f(oldfd, newfd, flags); });
}

namespace {

// fcntl(2): F_DUPFD and F_DUPFD_CLOEXEC of a fake fd copy it at the lowest
// free number from the argument; every other command goes on unchanged.
// The third argument is read as one machine word, as glibc's own wrapper
// reads it, whatever the command.
int route_fcntl(const char* name, std::atomic<void*>& cache, int fd, int cmd, void* arg) {
    auto f = next<fcntl_fn>(name, cache);
    if (!f) return missing();
    if (cmd != F_DUPFD && cmd != F_DUPFD_CLOEXEC) return f(fd, cmd, arg);
    return dup_from(fd, [&] { return f(fd, cmd, arg); });
}

}  // namespace

UAPIKIT_EXPORT int fcntl(int fd, int cmd, ...) {
    va_list ap;
    va_start(ap, cmd);
    void* arg = va_arg(ap, void*);
    va_end(ap);
    return route_fcntl("fcntl", real_fcntl, fd, cmd, arg);
}

// What a program built with 64-bit file offsets calls on glibc 2.28 and later.
UAPIKIT_EXPORT int fcntl64(int fd, int cmd, ...) {
    va_list ap;
    va_start(ap, cmd);
    void* arg = va_arg(ap, void*);
    va_end(ap);
    return route_fcntl("fcntl64", real_fcntl64, fd, cmd, arg);
}

// For tests that drive the preloaded fake and need to wire devices into it
// or read its state: the one host of this process.
UAPIKIT_EXPORT void* uapikit_preload_host() {
    return &the_host();
}
