// The fake as a backend of the typed layer: one iommufd context of a host.
// The same typed calls run over this and over linux_backend.
#pragma once

#include <uapikit/backend.hpp>
#include <uapikit/fake/host.hpp>

namespace uapikit::fake {

class iommufd_backend {
public:
    // Opens a new iommufd context on `h` (a new fake fd), as open("/dev/iommu").
    // When the host has no fd to give (EMFILE), fd() is that -errno and every
    // ioctl answers EBADF, as calls on a failed open's -1 would.
    explicit iommufd_backend(host& h) : host_(&h), fd_(h.open_iommufd()) {}
    iommufd_backend(const iommufd_backend&) = delete;
    iommufd_backend& operator=(const iommufd_backend&) = delete;
    ~iommufd_backend() {
        if (fd_ >= 0) host_->close(fd_);
    }

    int ioctl(unsigned long request, void* argument) noexcept { return host_->ioctl(fd_, request, argument); }
    int fd() const noexcept { return fd_; }

private:
    host* host_;
    int fd_;
};

static_assert(uapikit::backend<iommufd_backend>);

}  // namespace uapikit::fake
