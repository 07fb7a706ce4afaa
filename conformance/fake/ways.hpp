// The three ways into the fake that the semantic suite runs over, chosen by
// UAPIKIT_FAKE_WAY:
//   typed   - iommufd requests through fake::iommufd_backend, the seam the
//             typed layer uses (KVM and VFIO straight on the host: they
//             have no typed layer)
//   libc    - fake::libc: open/ioctl/read/write/close with -1 and errno
//   preload - the real open(2)/ioctl(2)/read(2)/write(2)/close(2) of this
//             process, routed to the fake by libuapikit-preload.so (LD_PRELOAD)
// All of them report -errno, so one suite reads them alike.
#pragma once

#include <uapikit/fake/backend.hpp>
#include <uapikit/fake/libc.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <map>
#include <memory>
#include <stdexcept>
#include <sys/ioctl.h>
#include <unistd.h>

namespace uapikit::testing {

struct way {
    virtual ~way() = default;
    virtual int open(const char* path) = 0;                                 // fd or -errno
    virtual int ioctl(int fd, unsigned long request, void* argument) = 0;  // >= 0 or -errno
    virtual long read(int fd, void* buf, size_t n) = 0;                    // bytes or -errno
    virtual long write(int fd, const void* buf, size_t n) = 0;             // bytes or -errno
    virtual int close(int fd) = 0;                                          // 0 or -errno
    virtual int dup(int fd) = 0;                                            // fd or -errno
    virtual fake::host& host() = 0;  // for wiring devices and reading state
    // Whether command structs are copied as the kernel copies them, so a
    // pointer to memory that is not there is EFAULT. The typed layer hands
    // the fake its own objects, which it uses in place.
    virtual bool copies_structs() const { return true; }
};

inline uint64_t address(const void* p) { return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(p)); }

class typed_way : public way {
public:
    int open(const char* path) override {
        if (std::strcmp(path, "/dev/iommu") != 0) return host_.open(path);
        auto b = std::make_unique<fake::iommufd_backend>(host_);
        int fd = b->fd();
        backends_[fd] = std::move(b);
        return fd;
    }
    int ioctl(int fd, unsigned long request, void* argument) override {
        auto it = backends_.find(fd);
        return it != backends_.end() ? it->second->ioctl(request, argument) : host_.ioctl(fd, request, argument);
    }
    long read(int fd, void* buf, size_t n) override { return host_.read(fd, buf, n); }
    long write(int fd, const void* buf, size_t n) override { return host_.write(fd, buf, n); }
    int close(int fd) override {
        if (backends_.erase(fd)) return 0;  // the backend's destructor closes it
        return host_.close(fd);
    }
    int dup(int fd) override { return host_.dup(fd); }
    fake::host& host() override { return host_; }
    bool copies_structs() const override { return false; }

private:
    fake::host host_;
    std::map<int, std::unique_ptr<fake::iommufd_backend>> backends_;
};

class libc_way : public way {
public:
    int open(const char* path) override { return wrap(libc_.open(path)); }
    int ioctl(int fd, unsigned long request, void* argument) override { return wrap(libc_.ioctl(fd, request, argument)); }
    long read(int fd, void* buf, size_t n) override { return wrap(libc_.read(fd, buf, n)); }
    long write(int fd, const void* buf, size_t n) override { return wrap(libc_.write(fd, buf, n)); }
    int close(int fd) override { return wrap(libc_.close(fd)); }
    int dup(int fd) override { return wrap(libc_.dup(fd)); }
    fake::host& host() override { return host_; }

private:
    template <typename T>
    static T wrap(T rc) {
        return rc < 0 ? -errno : rc;
    }
    fake::host host_;
    fake::libc libc_{host_};
};

class preload_way : public way {
public:
    preload_way() {
        auto get = reinterpret_cast<void* (*)()>(dlsym(RTLD_DEFAULT, "uapikit_preload_host"));
        if (!get) throw std::runtime_error("libuapikit-preload.so is not preloaded (LD_PRELOAD)");
        host_ = static_cast<fake::host*>(get());
    }
    int open(const char* path) override { return wrap(::open(path, O_RDWR | O_CLOEXEC)); }
    int ioctl(int fd, unsigned long request, void* argument) override { return wrap(::ioctl(fd, request, argument)); }
    long read(int fd, void* buf, size_t n) override { return wrap(::read(fd, buf, n)); }
    long write(int fd, const void* buf, size_t n) override { return wrap(::write(fd, buf, n)); }
    int close(int fd) override { return wrap(::close(fd)); }
    int dup(int fd) override { return wrap(::dup(fd)); }
    fake::host& host() override { return *host_; }

private:
    template <typename T>
    static T wrap(T rc) {
        return rc < 0 ? -errno : rc;
    }
    fake::host* host_;
};

inline std::unique_ptr<way> make_way() {
    const char* name = std::getenv("UAPIKIT_FAKE_WAY");
    std::string w = name ? name : "typed";
    if (w == "libc") return std::make_unique<libc_way>();
    if (w == "preload") return std::make_unique<preload_way>();
    return std::make_unique<typed_way>();
}

}  // namespace uapikit::testing
