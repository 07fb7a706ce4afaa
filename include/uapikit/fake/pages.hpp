// The memory behind a mapping (Linux drivers/iommu/iommufd/pages.c): one
// iopt_pages per IOMMU_IOAS_MAP or IOMMU_IOAS_MAP_FILE, shared by the areas
// IOMMU_IOAS_COPY makes from it. Its pages are pinned while something
// needs them: an area of it that is filled into a domain, or an access.
// Each page is pinned once however many need it, as the kernel pins it
// once (MD_CHECK_REFS counts pins per page).
//
// Pinning checks that the memory is there (EFAULT otherwise: unmapped,
// or its process has exited) and charges it to RLIMIT_MEMLOCK (ENOMEM over
// the limit, unless the process has CAP_IPC_LOCK). The fake holds no page
// itself: pinned memory is reached through the mapping it came from.
#pragma once

#include <uapikit/fake/user_memory.hpp>

#include <boost/pool/pool.hpp>
#include <boost/smart_ptr/intrusive_ptr.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <map>
#include <memory>
#include <new>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace uapikit::fake {

// PAGE_SIZE of the machine the fake runs on (x86_64 and arm64 with 4 KiB pages).
inline constexpr uint64_t page_size = 4096;

// Inclusive page-index range [first, last].
struct page_range {
    uint64_t first, last;
    friend bool operator==(const page_range&, const page_range&) = default;
};

// What the host charges pinned pages against. A host made from the process
// that holds it reads RLIMIT_MEMLOCK of the pages' process at each charge,
// as the kernel's task_rlimit() does (Linux 6.12 pages.c), so a setrlimit(2)
// after the first call counts; a limit set by hand (tests) is fixed.
struct memlock_policy {
    bool ipc_lock = false;          // CAP_IPC_LOCK: no limit
    uint64_t limit_pages = ~0ull;   // the fixed limit in pages, when not read_rlimit
    bool read_rlimit = false;       // read the process's limit at each charge
};

class pin_registry;

struct iopt_pages {
    // The source: a process's memory from uptr, or a file from file_start.
    mm_id mm;
    uint64_t uptr = 0;        // page aligned
    int file_fd = -1;         // a duplicate of the mapped file, owned here
    uint64_t file_start = 0;  // page aligned
    uint64_t npages = 0;
    bool writable = false;
    bool account_mm = false;  // charged to the process instead of the user
    std::vector<page_range> holders;  // areas filled into domains, accesses
    uint64_t npinned = 0;             // pages in the union of holders
    // Bytes of the contiguous chunks behind them (page_backing.hpp), learnt
    // once, when a domain with a huge IO page first maps them; 0 until then.
    mutable uint64_t contig = 0;

    // The registry it was made by (make_pages()), how many areas and slices
    // hold it (pages_ref), and its place in the registry's list of pinned
    // pages, which it is on while it has holders.
    pin_registry* registry = nullptr;
    uint32_t refs = 0;
    iopt_pages* live_prev = nullptr;
    iopt_pages* live_next = nullptr;

    // Owns file_fd and its place in the registry: it stays where it was made.
    // User-provided, so `new iopt_pages()` runs only the member initializers
    // instead of first zeroing the whole object (a `rep stos` that perf put at
    // 40% of IOAS_MAP's time).
    iopt_pages() {}
    iopt_pages(const iopt_pages&) = delete;
    iopt_pages& operator=(const iopt_pages&) = delete;
    inline ~iopt_pages();

    bool from_file() const { return file_fd >= 0; }

    // Whether page `index` is pinned now.
    bool pinned(uint64_t index) const {
        for (const auto& h : holders)
            if (h.first <= index && index <= h.last) return true;
        return false;
    }

    // How many pages of r no holder covers.
    uint64_t uncovered(page_range r) const {
        std::vector<page_range> in;
        for (const auto& h : holders)
            if (h.last >= r.first && h.first <= r.last) in.push_back({std::max(h.first, r.first), std::min(h.last, r.last)});
        std::sort(in.begin(), in.end(), [](page_range a, page_range b) { return a.first < b.first; });
        uint64_t covered = 0, next = r.first;  // pages below `next` are counted
        for (const auto& c : in) {
            uint64_t from = std::max(c.first, next);
            if (c.last >= from) {
                covered += c.last - from + 1;
                next = c.last + 1;
            }
        }
        return (r.last - r.first + 1) - covered;
    }
};

// The host's pinned pages and what they are charged to.
class pin_registry {
public:
    explicit pin_registry(memlock_policy p = {}) : policy_(p) {}

    pin_registry(const pin_registry&) = delete;
    pin_registry& operator=(const pin_registry&) = delete;

    // Memory for one iopt_pages, or bad_alloc: blocks of a pool (as the
    // kernel's slab), so a map and an unmap hand the same block back and
    // forth without reaching malloc. Not thread-safe, as the host is not.
    void* allocate_pages() {
        void* p = pool_.malloc();
        if (!p) throw std::bad_alloc();
        return p;
    }
    void free_pages(void* p) { pool_.free(p); }

    // Adds a holder of pages r: pins the pages no one held (checking the
    // memory is there, charging them), or fails with nothing changed.
    int hold(iopt_pages& p, page_range r) {
        uint64_t fresh = p.uncovered(r);
        if (fresh) {
            if (int rc = check_present(p, r); rc < 0) return rc;
            if (int rc = charge(p, fresh); rc < 0) return rc;
        }
        if (p.holders.empty()) add(&p);
        p.holders.push_back(r);
        p.npinned += fresh;
        return 0;
    }

    // Drops one holder of exactly r; pages nobody else holds are unpinned.
    void release(iopt_pages& p, page_range r) {
        auto it = std::find(p.holders.begin(), p.holders.end(), r);
        if (it == p.holders.end()) return;
        p.holders.erase(it);
        if (p.holders.empty()) remove(&p);
        uint64_t freed = p.uncovered(r);
        p.npinned -= freed;
        uncharge(p, freed);
    }

    // How many pins the page at user address va of process mm has
    // (MD_CHECK_REFS compares this with its `refs`).
    unsigned pins(mm_id mm, uint64_t va) const {
        unsigned n = 0;
        for (const iopt_pages* p = live_; p; p = p->live_next) {
            if (p->from_file() || !(p->mm == mm) || va < p->uptr) continue;
            uint64_t index = (va - p->uptr) / page_size;
            if (index < p->npages && p->pinned(index)) ++n;
        }
        return n;
    }

    // IOMMU_IOAS_CHANGE_PROCESS: the pages now belong to process `to`;
    // charges per process move with them (ENOMEM over `to`'s limit, and
    // then nothing moves).
    int move_charges(const std::vector<iopt_pages*>& pages, mm_id to) {
        uint64_t moving = 0;
        for (const iopt_pages* p : pages)
            if (p->account_mm && !(p->mm == to)) moving += p->npinned;
        if (moving && !policy_.ipc_lock) {
            auto it = mm_locked_.find(to.pid);
            uint64_t have = it == mm_locked_.end() ? 0 : it->second;
            if (have + moving > limit_pages(to)) return -ENOMEM;
        }
        for (iopt_pages* p : pages) {
            if (p->account_mm && !(p->mm == to) && p->npinned) {
                uncharge(*p, p->npinned);
                mm_locked_[to.pid] += p->npinned;
            }
            p->mm = to;
        }
        return 0;
    }

    // Pages charged to the user (RLIMIT mode 0) and per process (mode 1).
    uint64_t user_locked() const { return user_locked_; }
    const std::map<pid_t, uint64_t>& mm_locked() const { return mm_locked_; }
    const memlock_policy& policy() const { return policy_; }
    void set_ipc_lock(bool held) { policy_.ipc_lock = held; }
    // A fixed limit, in pages, instead of the process's RLIMIT_MEMLOCK.
    void set_limit(uint64_t pages) {
        policy_.limit_pages = pages;
        policy_.read_rlimit = false;
    }
    // Back to reading the process's RLIMIT_MEMLOCK at each charge.
    void follow_rlimit() { policy_.read_rlimit = true; }

private:
    friend struct iopt_pages;  // takes itself off the list when it goes

    // Puts pages on or takes them off the list of pinned pages: a list
    // threaded through them, so neither allocates. Pages that nothing
    // holds, as every area of an IOAS without a domain, stay off it.
    void add(iopt_pages* p) {
        p->live_prev = nullptr;
        p->live_next = live_;
        if (live_) live_->live_prev = p;
        live_ = p;
    }
    void remove(iopt_pages* p) {
        (p->live_prev ? p->live_prev->live_next : live_) = p->live_next;
        if (p->live_next) p->live_next->live_prev = p->live_prev;
    }

    memlock_policy policy_;
    boost::pool<> pool_{sizeof(iopt_pages), 64};
    iopt_pages* live_ = nullptr;
    uint64_t user_locked_ = 0;
    std::map<pid_t, uint64_t> mm_locked_;

    static int check_present(const iopt_pages& p, page_range r) {
        if (p.from_file()) {
            struct stat st {};
            if (::fstat(p.file_fd, &st) != 0) return -EFAULT;
            uint64_t end = p.file_start + (r.last + 1) * page_size;
            // The last page may be partial: the file must reach into it.
            return static_cast<uint64_t>(st.st_size) > end - page_size ? 0 : -EFAULT;
        }
        user_space mem(p.mm);
        if (!mem.alive()) return -EFAULT;
        const uint64_t start = p.uptr + r.first * page_size, bytes = (r.last - r.first + 1) * page_size;
        if (!mem.readable(start, bytes, page_size)) return -EFAULT;
        // Writeable areas are pinned for writing (pages.c adds FOLL_WRITE).
        return !p.writable || mem.writable(start, bytes) ? 0 : -EFAULT;
    }

    // The limit in pages for process mm: its RLIMIT_MEMLOCK now (prlimit(2);
    // pid 0 is this process; none for a process that has gone, whose pages
    // fail check_present() first), or the fixed one. Only asked without
    // CAP_IPC_LOCK, so a privileged VMM makes no extra system call.
    uint64_t limit_pages(mm_id mm) const {
        if (!policy_.read_rlimit) return policy_.limit_pages;
        rlimit lim{};
        if (::prlimit(mm.pid, RLIMIT_MEMLOCK, nullptr, &lim) != 0) return policy_.limit_pages;
        return lim.rlim_cur == RLIM_INFINITY ? ~0ull : lim.rlim_cur / page_size;
    }

    int charge(const iopt_pages& p, uint64_t n) {
        uint64_t& counter = p.account_mm ? mm_locked_[p.mm.pid] : user_locked_;
        if (!policy_.ipc_lock && counter + n > limit_pages(p.mm)) return -ENOMEM;
        counter += n;
        return 0;
    }

    void uncharge(const iopt_pages& p, uint64_t n) {
        if (!n) return;
        if (!p.account_mm) {
            user_locked_ -= n;
            return;
        }
        auto it = mm_locked_.find(p.mm.pid);
        it->second -= n;
        if (it->second == 0) mm_locked_.erase(it);
    }
};

iopt_pages::~iopt_pages() {
    if (!holders.empty()) registry->remove(this);
    if (file_fd >= 0) ::close(file_fd);
}

// A reference to pages shared by the areas that map them (the kernel's
// kref on struct iopt_pages): a plain count, as one host is used from one
// thread at a time. The last reference unregisters and frees them.
// Freeing is kept out of line so that dropping a reference, which every
// move-from and copy of an area does, stays a decrement and a test.
[[gnu::noinline]] inline void destroy_pages(iopt_pages* p) {
    pin_registry* reg = p->registry;
    p->~iopt_pages();
    reg->free_pages(p);
}
inline void intrusive_ptr_add_ref(iopt_pages* p) { ++p->refs; }
inline void intrusive_ptr_release(iopt_pages* p) {
    if (--p->refs == 0) destroy_pages(p);
}
using pages_ref = boost::intrusive_ptr<iopt_pages>;

// New, empty pages from the registry's pool, for the caller to fill in.
inline pages_ref make_pages(pin_registry& reg) {
    auto* made = new (reg.allocate_pages()) iopt_pages();
    made->registry = &reg;
    return pages_ref(made);
}

// The user address that byte `offset` of the pages is read through: the
// source process while it lives. Once it has exited the kernel still has
// the pinned pages; the fake reads the same address in its own process,
// which is right for memory the two shared (MAP_SHARED before a fork).
inline user_space memory_of(const iopt_pages& p) {
    user_space source(p.mm);
    return source.alive() ? source : user_space{};
}

// Reads or writes n bytes at byte `offset` of the pages.
inline int pages_rw(const iopt_pages& p, uint64_t offset, void* data, uint64_t n, bool write) {
    if (p.from_file()) {
        off_t at = static_cast<off_t>(p.file_start + offset);
        ssize_t done = write ? ::pwrite(p.file_fd, data, n, at) : ::pread(p.file_fd, data, n, at);
        return done == static_cast<ssize_t>(n) ? 0 : -EFAULT;
    }
    user_space mem = memory_of(p);
    return write ? mem.copy_to(p.uptr + offset, data, n) : mem.copy_from(data, p.uptr + offset, n);
}

}  // namespace uapikit::fake
