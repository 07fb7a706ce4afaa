// The fake as a libc-like surface: open, ioctl and close on fake fds,
// returning -1 and setting errno on failure, taking the raw uapi structs.
// The LD_PRELOAD library routes a real program's calls here.
#pragma once

#include <uapikit/fake/host.hpp>

#include <cerrno>
#include <cstring>

namespace uapikit::fake {

class libc {
public:
    explicit libc(host& h) : host_(&h) {}

    // "/dev/iommu" opens an iommufd context, "/dev/kvm" the KVM system fd;
    // any other path is not a device the fake has (ENOENT).
    int open(const char* path, int /*flags*/ = 0) {
        if (!path) return fail(EFAULT);
        if (std::strcmp(path, "/dev/iommu") == 0) return result(host_->open_iommufd());
        if (std::strcmp(path, "/dev/kvm") == 0) return result(host_->open_kvm());
        return fail(ENOENT);
    }

    int ioctl(int fd, unsigned long request, void* argument) { return result(host_->ioctl(fd, request, argument)); }
    int close(int fd) { return result(host_->close(fd)); }

    host& model() { return *host_; }

private:
    static int fail(int e) {
        errno = e;
        return -1;
    }
    static int result(int rc) { return rc < 0 ? fail(-rc) : rc; }
    host* host_;
};

}  // namespace uapikit::fake
