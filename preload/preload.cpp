// libuapikit-preload.so: run an unmodified program against the fake host.
//
//   LD_PRELOAD=libuapikit-preload.so ./vmm
//
// open("/dev/iommu") and open("/dev/kvm") make fake fds; ioctl and close on
// fds the fake owns are answered by it; every other call goes on to libc.

// Meson compiles with -D_FILE_OFFSET_BITS=64, under which <fcntl.h> renames
// `open` to `open64` in assembly: our `open` would then define open64 twice.
#undef _FILE_OFFSET_BITS

#include <uapikit/fake/host.hpp>

#include <atomic>
#include <cstdarg>
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

namespace {

using uapikit::fake::fd_source;
using uapikit::fake::host;

// Fake fds still reserve a real descriptor so that fake and real numbers
// never collide; raw syscalls keep that reservation out of our own open/close.
int reserve_fd() {
    long fd = syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC);
    return static_cast<int>(fd);  // -1 with errno set on failure, as host expects
}
void release_fd(int fd) { syscall(SYS_close, fd); }

std::mutex host_mutex;

// Set while this thread is inside the fake. Anything the fake (or the
// allocator under it) calls back into then goes straight to libc instead of
// locking host_mutex a second time.
thread_local bool inside = false;

// Built on first use and never destroyed: the program may still close fds
// from its own static destructors after ours would have run.
host& the_host() {
    static host* h = new host(fd_source{reserve_fd, release_fd});
    return *h;
}

// Holds the lock and the recursion flag for one call into the fake.
class in_fake {
public:
    in_fake() : lock_(host_mutex) { inside = true; }
    ~in_fake() { inside = false; }
    in_fake(const in_fake&) = delete;
    in_fake& operator=(const in_fake&) = delete;

private:
    std::lock_guard<std::mutex> lock_;
};

// The host answers >= 0 or -errno; libc callers expect -1 and errno.
int to_libc(int rc) {
    if (rc >= 0) return rc;
    errno = -rc;
    return -1;
}

// The host allocates; an out-of-memory there is what the kernel reports as ENOMEM.
template <typename F>
int guarded(F f) {
    try {
        return to_libc(f());
    } catch (const std::bad_alloc&) {
        return to_libc(-ENOMEM);
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

std::atomic<void*> real_open, real_open64, real_openat, real_openat64, real_ioctl, real_close;
std::atomic<void*> real_open_2, real_open64_2, real_openat_2, real_openat64_2;

int missing() {
    errno = ENOSYS;
    return -1;
}

// Only absolute device paths are caught: a VMM names them that way, and a
// relative path would need its directory fd resolved.
bool is_device(const char* path, const char* device) { return path && std::strcmp(path, device) == 0; }

// open's third argument exists only when the flags create a file.
mode_t mode_of(int flags, va_list ap) {
    return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? va_arg(ap, mode_t) : 0;
}

// The device paths open in the fake; anything else goes to `pass_on`.
template <typename Next>
int route_open(const char* path, Next pass_on) {
    if (!inside) {
        if (is_device(path, "/dev/iommu")) {
            in_fake guard;
            return guarded([] { return the_host().open_iommufd(); });
        }
        if (is_device(path, "/dev/kvm")) {
            in_fake guard;
            return guarded([] { return the_host().open_kvm(); });
        }
    }
    return pass_on();
}

}  // namespace

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
// word like the kernel does: a pointer for iommufd, a plain number for
// KVM_CREATE_VM (the VM type). The fake takes both as void*. Ownership is
// checked under the lock, since another thread may be closing that fd.
UAPIKIT_EXPORT int ioctl(int fd, unsigned long request, ...) noexcept {
    va_list ap;
    va_start(ap, request);
    void* arg = va_arg(ap, void*);
    va_end(ap);
    if (!inside) {
        in_fake guard;
        host& h = the_host();
        if (h.owns(fd)) return guarded([&] { return h.ioctl(fd, request, arg); });
    }
    auto f = next<ioctl_fn>("ioctl", real_ioctl);
    return f ? f(fd, request, arg) : missing();
}

UAPIKIT_EXPORT int close(int fd) {
    if (!inside) {
        in_fake guard;
        host& h = the_host();
        if (h.owns(fd)) return guarded([&] { return h.close(fd); });
    }
    auto f = next<close_fn>("close", real_close);
    return f ? f(fd) : missing();
}

// For tests that drive the preloaded fake and need to wire devices into it
// or read its state: the one host of this process.
UAPIKIT_EXPORT void* uapikit_preload_host() {
    return &the_host();
}
