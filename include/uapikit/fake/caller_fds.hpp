// The calling process's own file descriptors: the ones the fake did not
// make, which some commands take (IOMMU_IOAS_MAP_FILE's memfd) or must tell
// apart from a closed number. The kernel's fget() finds any open file; a
// file of the wrong kind is then an errno of its own (EBADFD for
// iommufd_ctx_from_fd(), EINVAL for KVM), not the EBADF of a closed fd.
#pragma once

#include <uapikit/fake/user_memory.hpp>

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace uapikit::fake {

// A duplicate of the caller's fd number `fd`, for the fake to keep: from
// this process, or from another one through pidfd_getfd(2). -1 when the
// caller has no such fd (or its process is gone).
inline int grab_caller_fd(const user_space& user, int fd) {
    if (user.mm().pid == 0) return ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, user.mm().pid, 0));
    if (pidfd < 0) return -1;
    int got = static_cast<int>(::syscall(SYS_pidfd_getfd, pidfd, fd, 0));
    ::close(pidfd);
    return got;
}

// Whether the caller has `fd` open: what fget() would find when the fake
// has no file of that number.
inline bool caller_has_fd(const user_space& user, int fd) {
    if (fd < 0) return false;
    if (user.mm().pid == 0) return ::fcntl(fd, F_GETFD) != -1;
    int got = grab_caller_fd(user, fd);
    if (got < 0) return false;
    ::close(got);
    return true;
}

}  // namespace uapikit::fake
