// The fake as a libc-like surface: open, ioctl, read, write and close on
// fake fds, returning -1 and setting errno on failure, taking the raw uapi
// structs. The LD_PRELOAD library routes a real program's calls here.
#pragma once

#include <uapikit/fake/host.hpp>

#include <cerrno>
#include <cstdint>
#include <sys/types.h>

namespace uapikit::fake {

class libc {
public:
    explicit libc(host& h) : host_(&h) {}

    // /dev/iommu, /dev/kvm and /dev/vfio/devices/vfioN open a fake file;
    // any other path is not a device the fake has (ENOENT).
    int open(const char* path, int /*flags*/ = 0) {
        if (!path) return fail(EFAULT);
        return result(host_->open(path));
    }

    // The third argument is a pointer or a number, as the request wants.
    // Command structs are copied in and out as the kernel copies them, so
    // a bad pointer is EFAULT, as from the preload.
    int ioctl(int fd, unsigned long request, void* argument) {
        return result(host_->ioctl(fd, request, address(argument), user_space::own_copied()));
    }
    ssize_t read(int fd, void* buf, size_t count) { return result(host_->read(fd, address(buf), count)); }
    ssize_t write(int fd, const void* buf, size_t count) { return result(host_->write(fd, address(buf), count)); }
    int close(int fd) { return result(host_->close(fd)); }
    // A second fd for the file behind fd (host::dup).
    int dup(int fd) { return result(host_->dup(fd)); }

    host& model() { return *host_; }

private:
    static uint64_t address(const void* p) { return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(p)); }
    static int fail(int e) {
        errno = e;
        return -1;
    }
    template <typename T>
    static T result(T rc) {
        if (rc >= 0) return rc;
        errno = static_cast<int>(-rc);
        return -1;
    }
    host* host_;
};

}  // namespace uapikit::fake
