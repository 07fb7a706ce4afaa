// Fake files after fork(2): see remote.hpp.
#undef _FILE_OFFSET_BITS

#include "remote.hpp"

#include <cerrno>
#include <cstring>
#include <map>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace uapikit::preload {

namespace {

// One call a child makes on an inherited file.
struct request {
    int32_t fd;
    int32_t close;  // 1: not used yet (closes stay local); 0: ioctl
    uint64_t number;
    uint64_t arg;
    int32_t pid;
};

// This process's inherited fds and the socket to the process holding each.
std::map<int, int>& inherited() {
    static auto* m = new std::map<int, int>;
    return *m;
}

// The socket pair of a fork in progress: [0] stays with the parent's
// server thread, [1] goes to the child.
int pending[2] = {-1, -1};

int raw_close(int fd) { return static_cast<int>(syscall(SYS_close, fd)); }

// Sends one message with an fd attached (the socket for the answer).
bool send_with_fd(int sock, const void* data, size_t n, int fd) {
    iovec iov{const_cast<void*>(data), n};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
    return sendmsg(sock, &msg, MSG_NOSIGNAL) == static_cast<ssize_t>(n);
}

// Receives a request and its answer socket; false at EOF.
bool receive(int sock, request* r, int* answer) {
    iovec iov{r, sizeof *r};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t got;
    do {
        got = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    } while (got < 0 && errno == EINTR);
    if (got != static_cast<ssize_t>(sizeof *r)) return false;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    if (!c || c->cmsg_type != SCM_RIGHTS) return false;
    std::memcpy(answer, CMSG_DATA(c), sizeof *answer);
    return true;
}

// The holder's side: answers the children of one fork until they are all gone.
void serve(int sock) {
    request r{};
    int answer = -1;
    while (receive(sock, &r, &answer)) {
        int rc;
        {
            in_fake guard;
            fake::host& h = the_host();
            fake::user_space caller(fake::mm_id{r.pid});
            try {
                rc = h.owns(r.fd) ? h.ioctl(r.fd, r.number, r.arg, caller) : -EBADF;
            } catch (const std::bad_alloc&) {
                rc = -ENOMEM;
            }
        }
        (void)!::send(answer, &rc, sizeof rc, MSG_NOSIGNAL);
        raw_close(answer);
    }
    raw_close(sock);
}

bool holds_files() {
    bool any = false;
    the_host().for_each_file([&](int, const fake::file&) { any = true; });
    return any || !inherited().empty();
}

void prepare() {
    host_mutex.lock();
    if (holds_files() && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pending) != 0) pending[0] = pending[1] = -1;
}

void parent() {
    if (pending[0] >= 0) {
        raw_close(pending[1]);
        std::thread(serve, pending[0]).detach();
    }
    pending[0] = pending[1] = -1;
    host_mutex.unlock();
}

void child() {
    if (pending[1] >= 0) {
        raw_close(pending[0]);
        // Every fake fd this process holds is now a parent's file.
        the_host().for_each_file([&](int fd, const fake::file&) { inherited()[fd] = pending[1]; });
        fake::host*& slot = host_slot();
        slot = nullptr;  // this process's own opens get a host of their own
    }
    pending[0] = pending[1] = -1;
    host_mutex.unlock();
}

struct installer {
    installer() { pthread_atfork(prepare, parent, child); }
} install;

}  // namespace

bool remote_owned(int fd) {
    std::lock_guard<std::mutex> lock(host_mutex);
    return inherited().count(fd) != 0;
}

int remote_ioctl(int fd, unsigned long number, void* arg) {
    int link;
    {
        std::lock_guard<std::mutex> lock(host_mutex);
        link = inherited().at(fd);
    }
    int answer[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, answer) != 0) return -1;
    request r{fd, 0, number, reinterpret_cast<uintptr_t>(arg), static_cast<int32_t>(getpid())};
    bool sent = send_with_fd(link, &r, sizeof r, answer[1]);
    raw_close(answer[1]);
    int rc = -EIO;
    if (sent) {
        ssize_t got;
        do {
            got = ::recv(answer[0], &rc, sizeof rc, 0);
        } while (got < 0 && errno == EINTR);
        if (got != sizeof rc) rc = -EIO;  // the holder has gone
    }
    raw_close(answer[0]);
    if (rc >= 0) return rc;
    errno = -rc;
    return -1;
}

int remote_close(int fd) {
    {
        std::lock_guard<std::mutex> lock(host_mutex);
        inherited().erase(fd);
    }
    mark(fd, false);
    return raw_close(fd);
}

}  // namespace uapikit::preload
