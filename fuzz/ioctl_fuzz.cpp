// libFuzzer target: short sequences of calls on one fake host - open,
// close, ioctl (every iommufd command of the generated table, the VFIO
// compatibility, VFIO cdev and KVM numbers), read and write of event-queue
// fds, and changes to the machine (IOMMUs, devices) - checking after every
// step what the fake promises for any input:
//   - a rejected call (negative return) leaves host.snapshot() unchanged,
//     except those the kernel documents as partial: IOMMU_HWPT_INVALIDATE
//     keeps the entries it handled before the failing one (and says how
//     many), VFIO_IOMMU_UNMAP_DMA of a type1 container keeps the cuts it
//     made at the range's ends, and a call whose reply cannot be written
//     (a read-only struct) keeps its work unless it allocates an object or
//     binds a device (undoes_all() below);
//   - every id a successful allocation answers is >= 1, every fd it hands
//     out (returned or written into the struct) is the host's.
//
// Input format (fuzz/make_corpus.py writes seeds in it): a list of steps,
// each an op byte followed by its operands; missing bytes read as zero.
//   0 open /dev/iommu   1 open /dev/kvm    2 close  fd
//   3 ioctl  fd, request [, u32 request], mode, n, n arg bytes, m, m data bytes,
//            fd offset, data fd offset [, value]
//   4 add_iommu  kind, capacity          5 add_device  iommu
//   6 open /dev/vfio/devices/vfioN  N    7 read  fd, count
//   8 write  fd, n, n bytes               9 the next fd reservation fails (EMFILE)
// `fd` operands index the fds handed out so far (one past the end is -1).
// An ioctl's request byte indexes requests(); past its end a u32 follows.
// Its mode: bits 0-1 the argument (0 the buffer, read in place as the
// typed layer's calls are; 1 the buffer, copied in and out as the preload's
// and fake::libc's calls are; 2 null; 3 the value byte at the end:
// KVM_CREATE_VM, VFIO_SET_IOMMU...), bit 2 writes fd (mode >> 4) as an
// int32 at 4 * (fd offset % 16) of the struct, bit 3 at 4 * (data fd offset
// % 16) of the data (KVM_SET_DEVICE_ATTR's file, AMD's kvmfd). Bit 7 of the
// fd offset makes a copied struct read-only for the call, so its reply
// fails with EFAULT after the handler ran (an allocation then aborts its
// object).
//
// Every address the fake reads or writes is in one scratch mapping: the
// argument at its start, the data after it, and a PROT_NONE page after
// that. Each pointer field of the struct (a table below) is made 0, an
// address in the data, or the guard page; a write the kernel would make
// past the caller's memory ends in EFAULT at the guard, never in the
// fuzzer's own memory.
#include <uapikit/fake/host.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

namespace {

namespace abi = uapikit::raw::proposed;
namespace kvm = uapikit::fake::kvm;
namespace vfio = uapikit::fake::vfio;
using uapikit::fake::host;

// Reads operands off the input; past its end every read is zero, so any
// prefix of a valid input is valid too.
class reader {
public:
    reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
    bool done() const { return pos_ >= size_; }
    uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
    uint32_t u32() {
        uint32_t v = 0;
        for (int i = 0; i < 4; ++i) v |= uint32_t{byte()} << (8 * i);
        return v;
    }
    void bytes(void* out, size_t n) {
        auto* p = static_cast<uint8_t*>(out);
        for (size_t i = 0; i < n; ++i) p[i] = byte();
    }

private:
    const uint8_t* data_;
    size_t size_;
    size_t pos_ = 0;
};

// The other numbers a VMM sends to the fake's files.
constexpr unsigned long other_requests[] = {
    vfio::get_api_version, vfio::check_extension, vfio::set_iommu, vfio::iommu_get_info, vfio::iommu_map_dma,
    vfio::iommu_unmap_dma, vfio::device_bind_iommufd, vfio::device_attach_iommufd_pt,
    vfio::device_detach_iommufd_pt, vfio::device_get_info, vfio::device_get_region_info,
    vfio::device_get_irq_info, vfio::device_reset, kvm::get_api_version, kvm::check_extension, kvm::create_vm,
    kvm::create_guest_memfd, kvm::set_user_memory_region, kvm::set_user_memory_region2, kvm::create_device,
    kvm::set_device_attr, kvm::get_device_attr, kvm::has_device_attr,
};
static_assert(std::size(other_requests) == 23, "fuzz/make_corpus.py lists these after the command table");
constexpr size_t n_commands = std::size(abi::commands);
constexpr size_t n_requests = n_commands + std::size(other_requests);

// Request i: the generated command table first (every iommufd command is
// reachable by one byte), then the others. fuzz/make_corpus.py reads the
// same order from the command table's JSON.
constexpr std::array<unsigned long, n_requests> requests() {
    std::array<unsigned long, n_requests> r{};
    for (size_t i = 0; i < n_commands; ++i) r[i] = abi::commands[i].request;
    for (size_t i = 0; i < std::size(other_requests); ++i) r[n_commands + i] = other_requests[i];
    return r;
}
constexpr auto known_requests = requests();

// The fields of each struct the fake dereferences as a user address (for
// IOMMU_TEST_CMD, of the op that has it: the union's other members put
// lengths and IOVAs at those offsets).
struct pointer_field {
    unsigned long request;
    size_t offset;
    uint32_t op = 0;
};
constexpr pointer_field pointer_fields[] = {
    {abi::IOMMU_IOAS_IOVA_RANGES, offsetof(abi::iommu_ioas_iova_ranges, allowed_iovas)},
    {abi::IOMMU_IOAS_ALLOW_IOVAS, offsetof(abi::iommu_ioas_allow_iovas, allowed_iovas)},
    {abi::IOMMU_IOAS_MAP, offsetof(abi::iommu_ioas_map, user_va)},
    {abi::IOMMU_HWPT_ALLOC, offsetof(abi::iommu_hwpt_alloc, data_uptr)},
    {abi::IOMMU_GET_HW_INFO, offsetof(abi::iommu_hw_info, data_uptr)},
    {abi::IOMMU_HWPT_GET_DIRTY_BITMAP, offsetof(abi::iommu_hwpt_get_dirty_bitmap, data)},
    {abi::IOMMU_HWPT_INVALIDATE, offsetof(abi::iommu_hwpt_invalidate, data_uptr)},
    {abi::IOMMU_VIOMMU_ALLOC, offsetof(abi::iommu_viommu_alloc, data_uptr)},
    {abi::IOMMU_TEST_CMD, offsetof(abi::iommu_test_cmd, check_map.uptr), abi::IOMMU_TEST_OP_MD_CHECK_MAP},
    {abi::IOMMU_TEST_CMD, offsetof(abi::iommu_test_cmd, check_refs.uptr), abi::IOMMU_TEST_OP_MD_CHECK_REFS},
    {abi::IOMMU_TEST_CMD, offsetof(abi::iommu_test_cmd, access_pages.uptr), abi::IOMMU_TEST_OP_ACCESS_PAGES},
    {abi::IOMMU_TEST_CMD, offsetof(abi::iommu_test_cmd, access_rw.uptr), abi::IOMMU_TEST_OP_ACCESS_RW},
    {abi::IOMMU_TEST_CMD, offsetof(abi::iommu_test_cmd, dirty.uptr), abi::IOMMU_TEST_OP_DIRTY},
    {vfio::iommu_map_dma, offsetof(vfio::iommu_type1_dma_map, vaddr)},
    {kvm::set_device_attr, offsetof(kvm::device_attr, addr)},
    {kvm::get_device_attr, offsetof(kvm::device_attr, addr)},
    {kvm::has_device_attr, offsetof(kvm::device_attr, addr)},
};

// The scratch mapping: the argument, the data, a guard page.
constexpr size_t page = 4096;
constexpr size_t arg_area = page;         // room for every struct and a size past it
constexpr size_t data_area = 16 * page;   // what pointers reach; IOAS maps come from here
constexpr size_t max_arg = 160;           // the largest struct: kvm_userspace_memory_region2
constexpr size_t max_data = 128;

uint8_t* scratch() {
    static uint8_t* base = [] {
        void* p = ::mmap(nullptr, arg_area + data_area + page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                         -1, 0);
        if (p == MAP_FAILED) __builtin_trap();
        auto* b = static_cast<uint8_t*>(p);
        ::mprotect(b + arg_area + data_area, page, PROT_NONE);
        return b;
    }();
    return base;
}
uint8_t* arg_buffer() { return scratch(); }
uint8_t* data_buffer() { return scratch() + arg_area; }
uint64_t guard_address() { return reinterpret_cast<uintptr_t>(scratch() + arg_area + data_area); }

// Fake fds are real descriptors of /dev/null, as the host's default makes
// them, but duplicated from one open descriptor (dup is much cheaper than
// open); a step can make the next reservation fail as a full fd table would.
bool fail_next_reserve = false;
// UAPIKIT_FUZZ_NO_EMFILE=1 turns that step off, to look past a bug behind
// it: fuzz/corpus/guest_memfd_emfile was one until host.hpp was fixed.
const bool no_emfile = std::getenv("UAPIKIT_FUZZ_NO_EMFILE") != nullptr;
int reserve_fd() {
    if (fail_next_reserve) {
        fail_next_reserve = false;
        errno = EMFILE;
        return -1;
    }
    static const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    return ::fcntl(null_fd, F_DUPFD_CLOEXEC, 0);
}
void release_fd(int fd) { uapikit::fake::fd_source{}.release(fd); }

[[noreturn]] void violated(const char* what, int step, unsigned long request, long rc, const std::string& before,
                           const std::string& after) {
    std::fprintf(stderr, "INVARIANT: %s (step %d, request %#lx, rc %ld)\n--- before\n%s--- after\n%s", what, step,
                 request, rc, before.c_str(), after.c_str());
    __builtin_trap();
}

template <typename T>
T field(const uint8_t* buf, size_t at) {
    T v;
    std::memcpy(&v, buf + at, sizeof v);
    return v;
}

struct run {
    host h{uapikit::fake::fd_source{reserve_fd, release_fd}};
    std::vector<int> fds;  // every fd handed out, closed ones included
    int at = 0;            // the step being run, for reports
    bool read_only = false;  // the step's struct could not be written back

    int pick_fd(uint8_t b) const {
        size_t i = b % (fds.size() + 1);
        return i < fds.size() ? fds[i] : -1;
    }

    void new_fd(int fd, const char* what, unsigned long request = 0) {
        if (!h.owns(fd)) violated(what, at, request, fd, "", "");
        fds.push_back(fd);
    }

    // One ioctl with fuzzer-chosen bytes.
    int ioctl(reader& in, unsigned long& request) {
        int fd = pick_fd(in.byte());
        uint8_t r = in.byte();
        request = r < n_requests ? known_requests[r] : in.u32();
        uint8_t mode = in.byte();
        uint8_t* arg = arg_buffer();
        uint8_t* data = data_buffer();
        std::memset(arg, 0, arg_area);
        std::memset(data, 0, max_data);
        in.bytes(arg, in.byte() % (max_arg + 1));
        in.bytes(data, in.byte() % (max_data + 1));
        const uint8_t fd_at = in.byte(), data_fd_at = in.byte();
        const int patch_fd = pick_fd(static_cast<uint8_t>(mode >> 4));
        if (mode & 4) std::memcpy(arg + 4 * (fd_at % 16), &patch_fd, sizeof patch_fd);
        if (mode & 8) std::memcpy(data + 4 * (data_fd_at % 16), &patch_fd, sizeof patch_fd);
        // iommufd reads as many bytes as the leading size says, and checks
        // those past its struct are zero: keep that inside the argument area.
        uint32_t size = field<uint32_t>(arg, 0);
        if (is_iommufd(request)) {
            size %= arg_area + 1;
            std::memcpy(arg, &size, sizeof size);
        }
        const uint32_t op = field<uint32_t>(arg, offsetof(abi::iommu_test_cmd, op));
        for (const auto& p : pointer_fields)
            if (p.request == request && (!p.op || p.op == op)) aim(arg + p.offset, data);

        void* a = arg;
        if ((mode & 3) == 2) a = nullptr;
        if ((mode & 3) == 3) a = reinterpret_cast<void*>(uintptr_t{in.byte()});  // a value, not a pointer
        int rc;
        if ((mode & 3) == 1) {
            // The copying path reads and writes through process_vm_readv(2)
            // and process_vm_writev(2), which honour page protections.
            read_only = fd_at & 0x80;
            if (read_only) ::mprotect(arg, arg_area, PROT_READ);
            rc = h.ioctl(fd, request, reinterpret_cast<uintptr_t>(arg), uapikit::fake::user_space::own_copied());
            if (read_only) ::mprotect(arg, arg_area, PROT_READ | PROT_WRITE);
        } else {
            rc = h.ioctl(fd, request, a);
        }
        if (rc > 0 && returns_fd(request)) new_fd(rc, "an ioctl returned an fd the host does not own", request);
        if (rc >= 0 && a == arg) check_reply(request, arg, size);
        return rc;
    }

    // A pointer field: 0 stays 0; otherwise the data, at an offset its
    // value chooses, or (low bits 7) the guard page.
    static void aim(uint8_t* at, uint8_t* data) {
        uint64_t v = field<uint64_t>(at, 0);
        if (v == 0) return;
        v = (v & 7) == 7 ? guard_address() : reinterpret_cast<uintptr_t>(data) + ((v >> 3) % 16) * page;
        std::memcpy(at, &v, sizeof v);
    }

    // A number of iommufd's own table: _IO(';', nr) with nr from 0x80.
    static bool is_iommufd(unsigned long request) {
        return (request >> 8) == abi::IOMMUFD_TYPE && (request & 0xff) >= abi::IOMMUFD_CMD_BASE;
    }

    static bool returns_fd(unsigned long request) {
        return request == kvm::create_vm || request == kvm::create_guest_memfd;
    }

    // What a successful call wrote back: ids >= 1, fds the host's.
    void check_reply(unsigned long request, const uint8_t* arg, uint32_t size) {
        auto id_at = [&](size_t at) {
            if (at + 4 > size) return;  // the reply stops at the caller's size
            if (field<uint32_t>(arg, at) < 1) violated("a successful allocation answered id 0", this->at, request, 0, "", "");
        };
        auto fd_at = [&](size_t at, size_t end) {
            if (end <= size) new_fd(field<int32_t>(arg, at), "a struct came back with an fd the host does not own", request);
        };
        switch (request) {
            case abi::IOMMU_IOAS_ALLOC: id_at(offsetof(abi::iommu_ioas_alloc, out_ioas_id)); break;
            case abi::IOMMU_HWPT_ALLOC: id_at(offsetof(abi::iommu_hwpt_alloc, out_hwpt_id)); break;
            case abi::IOMMU_VIOMMU_ALLOC: id_at(offsetof(abi::iommu_viommu_alloc, out_viommu_id)); break;
            case abi::IOMMU_VDEVICE_ALLOC: id_at(offsetof(abi::iommu_vdevice_alloc, out_vdevice_id)); break;
            case abi::IOMMU_HW_QUEUE_ALLOC: id_at(offsetof(abi::iommu_hw_queue_alloc, out_hw_queue_id)); break;
            case abi::IOMMU_FAULT_QUEUE_ALLOC:
                id_at(offsetof(abi::iommu_fault_alloc, out_fault_id));
                fd_at(offsetof(abi::iommu_fault_alloc, out_fault_fd), sizeof(abi::iommu_fault_alloc));
                break;
            case abi::IOMMU_VEVENTQ_ALLOC:
                id_at(offsetof(abi::iommu_veventq_alloc, out_veventq_id));
                fd_at(offsetof(abi::iommu_veventq_alloc, out_veventq_fd),
                      offsetof(abi::iommu_veventq_alloc, out_veventq_fd) + 4);
                break;
            case abi::IOMMU_TEST_CMD: {
                const uint32_t op = field<uint32_t>(arg, offsetof(abi::iommu_test_cmd, op));
                if (op == abi::IOMMU_TEST_OP_MOCK_DOMAIN || op == abi::IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS)
                    for (size_t i = 0; i < 3; ++i) id_at(offsetof(abi::iommu_test_cmd, mock_domain) + 4 * i);
                if (op == abi::IOMMU_TEST_OP_CREATE_ACCESS)
                    fd_at(offsetof(abi::iommu_test_cmd, create_access.out_access_fd), sizeof(abi::iommu_test_cmd));
                break;
            }
            case kvm::create_device:
                if (!(field<uint32_t>(arg, offsetof(kvm::create_device_args, flags)) & kvm::create_device_test))
                    new_fd(field<int32_t>(arg, offsetof(kvm::create_device_args, fd)), "KVM_CREATE_DEVICE's fd",
                           request);
                break;
            default:
                break;
        }
    }

    // One step; returns its result (>= 0 or -errno) and the request it used.
    long step(reader& in, unsigned long& request) {
        request = 0;
        read_only = false;
        switch (in.byte() % 10) {
            case 0: {
                int rc = h.open_iommufd();
                if (rc >= 0) new_fd(rc, "open(/dev/iommu) gave an fd the host does not own");
                return rc;
            }
            case 1: {
                int rc = h.open_kvm();
                if (rc >= 0) new_fd(rc, "open(/dev/kvm) gave an fd the host does not own");
                return rc;
            }
            case 2: {
                int fd = pick_fd(in.byte());
                int rc = h.close(fd);
                if (rc == 0 && h.owns(fd)) violated("close succeeded but the host still owns the fd", at, 0, rc, "", "");
                return rc;
            }
            case 3:
                return ioctl(in, request);
            case 4: {
                uint8_t kind = in.byte() % 4, cap = in.byte();
                // Small capacities reach the AMD Guest ID limit.
                h.add_iommu(static_cast<uapikit::fake::iommu_kind>(kind), cap == 0xff ? 1u << 16 : cap % 4);
                return 0;
            }
            case 5:
                return h.add_device(static_cast<int>(in.byte() % 8) - 1);
            case 6: {
                std::string path = "/dev/vfio/devices/vfio" + std::to_string(in.byte() % 8);
                int rc = h.open(path);
                if (rc >= 0) new_fd(rc, "open of a VFIO cdev gave an fd the host does not own");
                return rc;
            }
            case 7: {
                int fd = pick_fd(in.byte());
                uint64_t count = in.byte() * 8;
                return h.read(fd, reinterpret_cast<uintptr_t>(data_buffer()), count);
            }
            case 8: {
                int fd = pick_fd(in.byte());
                size_t n = in.byte() % (max_data + 1);
                in.bytes(data_buffer(), n);
                return h.write(fd, reinterpret_cast<uintptr_t>(data_buffer()), n);
            }
            default:
                fail_next_reserve = !no_emfile;
                return 0;
        }
    }
};

// Whether a call whose reply could not be written undoes all it did:
// object allocations (iommufd_object_abort_and_destroy()), the selftest's
// mock device and access, and a VFIO cdev bind (Linux 6.12).
bool undoes_all(unsigned long request) {
    switch (request) {
        case abi::IOMMU_IOAS_ALLOC:
        case abi::IOMMU_HWPT_ALLOC:
        case abi::IOMMU_FAULT_QUEUE_ALLOC:
        case abi::IOMMU_VIOMMU_ALLOC:
        case abi::IOMMU_VDEVICE_ALLOC:
        case abi::IOMMU_VEVENTQ_ALLOC:
        case abi::IOMMU_HW_QUEUE_ALLOC:
        case vfio::device_bind_iommufd:
            return true;
        case abi::IOMMU_TEST_CMD: {
            const uint32_t op = field<uint32_t>(arg_buffer(), offsetof(abi::iommu_test_cmd, op));
            return op == abi::IOMMU_TEST_OP_MOCK_DOMAIN || op == abi::IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS ||
                   op == abi::IOMMU_TEST_OP_CREATE_ACCESS;
        }
        default:
            return false;
    }
}

// The failures the kernel documents as leaving work done behind: a partial
// invalidation or type1 unmap, and a reply that could not be written after
// the work, for every command but those above.
bool partial_failure(unsigned long request, long rc, bool read_only) {
    if (request == abi::IOMMU_HWPT_INVALIDATE)
        return field<uint32_t>(arg_buffer(), offsetof(abi::iommu_hwpt_invalidate, entry_num)) > 0;
    if (request == vfio::iommu_unmap_dma) return true;
    return read_only && rc == -EFAULT && !undoes_all(request);
}

constexpr int max_steps = 32;

// UAPIKIT_FUZZ_TRACE=1 prints every step's result: how to read a reproducer.
const bool trace = std::getenv("UAPIKIT_FUZZ_TRACE") != nullptr;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fail_next_reserve = false;
    std::memset(data_buffer(), 0, data_area);  // each input starts from zeroed memory
    run r;
    reader in(data, size);
    // Snapshots dominate the run time; after a rejected step the state is
    // known unchanged, so its snapshot serves the next step too.
    std::string before;
    bool stale = true;
    for (int i = 0; i < max_steps && !in.done(); ++i) {
        r.at = i;
        if (stale) before = r.h.snapshot();
        unsigned long request = 0;
        long rc = r.step(in, request);
        if (trace) std::fprintf(stderr, "step %d: request %#lx -> %ld\n", i, request, rc);
        stale = rc >= 0;
        if (rc < 0) {
            std::string after = r.h.snapshot();
            if (after != before) {
                if (!partial_failure(request, rc, r.read_only)) violated("a rejected call changed the host", i, request, rc, before, after);
                stale = true;
            }
        }
    }
    return 0;
}
