// Files other than the iommufd as backends of the typed calls: a VFIO device
// file (/dev/vfio/devices/vfioN), /dev/kvm, a KVM VM, a KVM device. A
// `system` answers open, ioctl and close on numbered files with -errno on
// failure: linux_system is the kernel; the fake's host (uapikit::fake::host)
// has the same three calls, so the same code runs on both.
#pragma once

#include <uapikit/backend.hpp>
#include <uapikit/error.hpp>

#include <cerrno>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace uapikit {

// The kernel, through open(2), ioctl(2) and close(2).
struct linux_system {
    int open(const char* path) noexcept {
        int fd = ::open(path, O_RDWR | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
    }
    int ioctl(int fd, unsigned long request, void* argument) noexcept {
        int rc = ::ioctl(fd, request, argument);
        return rc < 0 ? -errno : rc;
    }
    int close(int fd) noexcept { return ::close(fd) < 0 ? -errno : 0; }
};

// An open file of `System`, closed when the object goes (movable, not
// copyable). A backend: the typed calls issue their requests on it.
template <typename System>
class file {
public:
    // Opens `path`; the error names "open" (the caller knows the path).
    static result<file> open(System& system, const char* path) noexcept {
        int fd = system.open(path);
        if (fd < 0) return failure{{-fd, "open"}};
        return file(system, fd);
    }
    // Takes ownership of a file `system` already opened (one a call returned).
    static file adopt(System& system, int fd) noexcept { return file(system, fd); }

    file(file&& other) noexcept : system_(other.system_), fd_(other.release()) {}
    file& operator=(file&& other) noexcept {
        if (this != &other) {
            reset();
            system_ = other.system_;
            fd_ = other.release();
        }
        return *this;
    }
    file(const file&) = delete;
    file& operator=(const file&) = delete;
    ~file() { reset(); }

    int ioctl(unsigned long request, void* argument) noexcept { return system_->ioctl(fd_, request, argument); }
    int fd() const noexcept { return fd_; }
    int release() noexcept {
        int fd = fd_;
        fd_ = -1;
        return fd;
    }
    void reset() noexcept {
        if (fd_ >= 0) (void)system_->close(fd_);
        fd_ = -1;
    }

private:
    file(System& system, int fd) noexcept : system_(&system), fd_(fd) {}
    System* system_;
    int fd_;
};

static_assert(backend<file<linux_system>>);

}  // namespace uapikit
