// The memory of the process that makes a call, as the kernel reaches it
// through copy_from_user() and copy_to_user(): a bad address is EFAULT,
// never a crash. Addresses are the caller's numbers (__u64 fields of the
// uapi structs).
//
// The process that holds the fake reads its own memory with
// process_vm_readv(2) on itself, which the kernel answers with EFAULT for
// an unmapped address; another process (a child that inherited a fake fd,
// see preload/remote.hpp) is read the same way through its pid.
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

namespace uapikit::fake {

// A process's address space: a pid, or 0 for the process the fake runs in.
// It is the kernel's `struct mm_struct *` as far as the fake needs one:
// pages remember which one they came from.
struct mm_id {
    pid_t pid = 0;
    friend bool operator==(mm_id, mm_id) = default;
};

// The PROCMAP_QUERY ioctl of /proc/PID/maps (Linux 6.11
// include/uapi/linux/fs.h): 104 bytes, all fields in and out as the kernel
// documents them; only vma_end and vma_flags are read here.
struct procmap_query {
    uint64_t size;
    uint64_t query_flags;
    uint64_t query_addr;
    uint64_t vma_start;
    uint64_t vma_end;
    uint64_t vma_flags;
    uint64_t vma_page_size;
    uint64_t vma_offset;
    uint64_t inode;
    uint32_t dev_major;
    uint32_t dev_minor;
    uint32_t vma_name_size;
    uint32_t build_id_size;
    uint64_t vma_name_addr;
    uint64_t build_id_addr;
};
static_assert(sizeof(procmap_query) == 104);
inline constexpr unsigned long procmap_query_request = _IOWR('f', 17, procmap_query);
inline constexpr uint64_t procmap_query_vma_writable = 0x02;  // PROCMAP_QUERY_VMA_WRITABLE

class user_space {
public:
    user_space() = default;
    explicit user_space(mm_id mm) : mm_(mm), copied_(mm.pid != 0) {}

    // The process the fake runs in, whose command structs are read and
    // written only through copy_from() and copy_to(), as the kernel copies
    // them: an unmapped or read-only struct is EFAULT, never a crash. The
    // preload calls with this one, as a C program's pointer may be
    // anything; user_space{} lets the dispatch use a struct in place, for
    // callers whose structs are objects of their own (the typed layer).
    static user_space own_copied() {
        user_space u;
        u.copied_ = true;
        return u;
    }

    mm_id mm() const { return mm_; }
    // Whether the dispatch may read and write the caller's command struct
    // directly (main.hpp run()).
    bool in_place() const { return !copied_; }

    // 0, or -EFAULT when any byte of [src, src + n) is not readable.
    int copy_from(void* dst, uint64_t src, size_t n) const {
        if (n == 0) return 0;
        if (!plausible(src, n)) return -EFAULT;
        iovec local{dst, n};
        iovec remote{reinterpret_cast<void*>(static_cast<uintptr_t>(src)), n};
        return transfer(false, local, remote);
    }

    // 0, or -EFAULT when any byte of [dst, dst + n) is not writable.
    int copy_to(uint64_t dst, const void* src, size_t n) const {
        if (n == 0) return 0;
        if (!plausible(dst, n)) return -EFAULT;
        iovec local{const_cast<void*>(src), n};
        iovec remote{reinterpret_cast<void*>(static_cast<uintptr_t>(dst)), n};
        return transfer(true, local, remote);
    }

    // clear_user(): writes n zero bytes.
    int clear(uint64_t dst, size_t n) const {
        static constexpr unsigned char zeros[256] = {};
        for (size_t done = 0; done < n;) {
            size_t chunk = n - done < sizeof zeros ? n - done : sizeof zeros;
            if (int rc = copy_to(dst + done, zeros, chunk); rc < 0) return rc;
            done += chunk;
        }
        return 0;
    }

    // Whether every page of [addr, addr + n) can be read: what pinning the
    // pages with get_user_pages() needs. One byte per page is probed.
    bool readable(uint64_t addr, uint64_t n, uint64_t page_size) const {
        if (n == 0) return true;
        if (!plausible(addr, n)) return false;
        constexpr size_t batch = 512;
        unsigned char sink[batch];
        iovec local[1] = {{sink, 0}};
        iovec remote[batch];
        uint64_t page = addr & ~(page_size - 1);
        const uint64_t last = addr + n - 1;
        while (page <= last) {
            size_t k = 0;
            for (; k < batch && page <= last; ++k, page += page_size) {
                uint64_t at = page < addr ? addr : page;
                remote[k] = {reinterpret_cast<void*>(static_cast<uintptr_t>(at)), 1};
                if (page + page_size < page) {  // the last page of the address space
                    ++k;
                    page = last + 1;
                    break;
                }
            }
            local[0].iov_len = k;
            ssize_t got = process_vm_readv(target(), local, 1, remote, k, 0);
            if (got != static_cast<ssize_t>(k)) return false;
        }
        return true;
    }

    // Whether every byte of [addr, addr + n) lies in mappings the process
    // may write: what pinning with FOLL_WRITE needs (get_user_pages() is
    // EFAULT on a mapping without VM_WRITE). Asked of /proc/PID/maps, so the
    // check writes nothing: one PROCMAP_QUERY per mapping on Linux 6.11 and
    // later, else the file's text.
    bool writable(uint64_t addr, uint64_t n) const {
        if (n == 0) return true;
        if (!plausible(addr, n)) return false;
        char path[32];
        std::snprintf(path, sizeof path, "/proc/%d/maps", static_cast<int>(target()));
        int fd = ::open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) return false;
        int answer = maps_writable_by_query(fd, addr, addr + n);
        if (answer < 0) answer = maps_writable_by_text(fd, addr, addr + n);
        ::close(fd);
        return answer == 1;
    }

    // The two ways of writable(), on an open /proc/PID/maps, for [addr, end):
    // 1 or 0, or -1 when the kernel has no PROCMAP_QUERY (by_query) or the
    // file cannot be read (by_text). Public for the test that compares them.
    static int maps_writable_by_query(int maps_fd, uint64_t addr, uint64_t end) {
        for (uint64_t at = addr; at < end;) {
            procmap_query q{};
            q.size = sizeof q;
            q.query_addr = at;  // no flags: only a mapping that covers `at`
            if (::ioctl(maps_fd, procmap_query_request, &q) != 0) return errno == ENOENT ? 0 : -1;
            if (!(q.vma_flags & procmap_query_vma_writable)) return 0;
            at = q.vma_end;
        }
        return 1;
    }
    static int maps_writable_by_text(int maps_fd, uint64_t addr, uint64_t end) {
        int copy = ::dup(maps_fd);
        FILE* maps = copy < 0 ? nullptr : ::fdopen(copy, "r");
        if (!maps) {
            if (copy >= 0) ::close(copy);
            return -1;
        }
        std::rewind(maps);
        uint64_t at = addr;  // the first byte not yet found writable
        char* line = nullptr;
        size_t cap = 0;
        while (at < end && ::getline(&line, &cap, maps) > 0) {
            unsigned long lo = 0, hi = 0;
            char perms[5] = {};
            if (std::sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) != 3 || hi <= at) continue;
            if (lo > at || perms[1] != 'w') break;  // a hole, or a mapping without write
            at = hi;
        }
        std::free(line);
        std::fclose(maps);
        return at >= end ? 1 : 0;
    }

    // Whether the process still has its memory (an exited process, even
    // one not yet reaped, has none): reading address 0 of a live process
    // is EFAULT, of a process without memory ESRCH.
    bool alive() const {
        if (mm_.pid == 0) return true;
        char c;
        iovec local{&c, 1}, remote{nullptr, 1};
        return process_vm_readv(mm_.pid, &local, 1, &remote, 1, 0) < 0 && errno == EFAULT;
    }

private:
    mm_id mm_;
    // Never false for another process. Stored this way round so that
    // user_space{}, made on every call of the typed layer, is all zeros.
    bool copied_ = false;

    pid_t target() const { return mm_.pid ? mm_.pid : ::getpid(); }

    // The first page is never mapped, and the range must not wrap.
    static bool plausible(uint64_t addr, uint64_t n) { return addr >= 4096 && addr + n >= addr; }

    int transfer(bool write, const iovec& local, const iovec& remote) const {
        ssize_t done = write ? process_vm_writev(target(), &local, 1, &remote, 1, 0)
                             : process_vm_readv(target(), &local, 1, &remote, 1, 0);
        return done == static_cast<ssize_t>(local.iov_len) ? 0 : -EFAULT;
    }
};

}  // namespace uapikit::fake
