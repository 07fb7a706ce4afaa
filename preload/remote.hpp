// Fake files after fork(2). The kernel's files are shared by parent and
// child; the fake's live in the process that opened them. So the process
// that holds them serves them: when it forks, a thread of its answers the
// child's ioctls on the files the child inherited, reading and writing the
// child's memory through process_vm_readv/writev(2) as the kernel's
// copy_from_user() would. Pages the child maps belong to the child's
// address space, as pinned pages belong to their mm in the kernel.
//
// Limits: a child's close() of an inherited fd closes only its own
// descriptor (the file lives while its holder keeps it); read(2) and
// write(2) of inherited fds and calls that create fds fail in the child
// with EOPNOTSUPP: they are answered only in the holder.
#pragma once

#include <uapikit/fake/host.hpp>

#include <mutex>

namespace uapikit::preload {

extern std::mutex host_mutex;
extern thread_local bool inside;
fake::host& the_host();
// The process's host, made on first use (null until then, and again in a
// child that inherited another process's files).
fake::host*& host_slot();
// Records whether fd is one of the fake's descriptors.
void mark(int fd, bool fake);

// Holds the lock and the recursion flag for one call into the fake.
class in_fake {
public:
    in_fake();
    ~in_fake();
    in_fake(const in_fake&) = delete;
    in_fake& operator=(const in_fake&) = delete;

private:
    std::lock_guard<std::mutex> lock_;
};

// Whether fd is a fake file this process inherited from the one holding it.
bool remote_owned(int fd);
// The inherited file's ioctl, answered by its holder: >= 0, or -1 and errno.
int remote_ioctl(int fd, unsigned long request, void* arg);
// Closes this process's descriptor of an inherited file.
int remote_close(int fd);

}  // namespace uapikit::preload
