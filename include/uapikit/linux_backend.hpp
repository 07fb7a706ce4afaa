// The real backend: owns a /dev/iommu file descriptor and issues ioctl(2).
#pragma once

#include <uapikit/backend.hpp>
#include <uapikit/error.hpp>

#include <cerrno>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace uapikit {

class linux_backend {
public:
    // Opens an iommufd context on /dev/iommu (one context per open). The
    // error names the node ("open /dev/iommu"): ENOENT when it is missing
    // (no iommufd in the kernel, or the module is not loaded), EACCES
    // without permission.
    static result<linux_backend> open() noexcept { return open_node("/dev/iommu", "open /dev/iommu"); }

    // The same on another node (a test double, a container's path). The
    // error's operation is "open": `path` belongs to the caller.
    static result<linux_backend> open(const char* path) noexcept { return open_node(path, "open"); }

    // Takes ownership of an already open descriptor.
    static linux_backend adopt(int fd) noexcept { return linux_backend(fd); }

    linux_backend() noexcept = default;
    linux_backend(linux_backend&& other) noexcept : fd_(other.release()) {}
    linux_backend& operator=(linux_backend&& other) noexcept {
        if (this != &other) {
            reset();
            fd_ = other.release();
        }
        return *this;
    }
    linux_backend(const linux_backend&) = delete;
    linux_backend& operator=(const linux_backend&) = delete;
    ~linux_backend() { reset(); }

    int ioctl(unsigned long request, void* argument) noexcept {
        int rc = ::ioctl(fd_, request, argument);
        return rc < 0 ? -errno : rc;
    }

    int fd() const noexcept { return fd_; }

private:
    explicit linux_backend(int fd) noexcept : fd_(fd) {}
    static result<linux_backend> open_node(const char* path, const char* operation) noexcept {
        int fd = ::open(path, O_RDWR | O_CLOEXEC);
        if (fd < 0) return failure{{errno, operation}};
        return linux_backend(fd);
    }
    int release() noexcept {
        int fd = fd_;
        fd_ = -1;
        return fd;
    }
    void reset() noexcept {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }
    int fd_ = -1;
};

static_assert(backend<linux_backend>);

}  // namespace uapikit
