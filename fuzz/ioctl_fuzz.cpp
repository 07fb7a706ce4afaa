// libFuzzer target: short sequences of open/close/ioctl on one fake host,
// checking after every step what the fake promises for any input:
//   - a rejected call (negative return) leaves host.snapshot() unchanged;
//   - every id or fd a successful call hands out is valid (ids >= 1, fds owned).
//
// Input format (fuzz/make_corpus.py writes seeds in it): a list of steps,
// each an op byte followed by its operands; missing bytes read as zero.
//   0 open iommufd        1 open kvm          2 close      fd
//   3 ioctl  fd, request [, u32 request], mode, n, n arg bytes, m, m data bytes [, value]
//   4 add_iommu  kind, capacity       5 bind_device  fd, iommu
//   6 set_device_vm  fd, dev_id, vm   7 the next fd reservation fails (EMFILE)
// `fd` operands index the fds handed out so far (one past the end is -1).
// An ioctl's request byte indexes known_requests; past it a u32 follows.
// Its mode: bits 0-1 the argument (0, 1 the buffer, 2 null, 3 the value
// byte at the end, for KVM_CREATE_VM), bit 2 writes fd (mode >> 4) into the
// struct's fd field, bit 3 into the AMD data's kvmfd.
#include <uapikit/fake/host.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

namespace abi = uapikit::raw::proposed;
namespace kvm = uapikit::fake::kvm;
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

// The requests worth hitting on purpose; a request byte past them reads a
// random 32-bit number instead.
constexpr unsigned long known_requests[] = {
    abi::IOMMU_DESTROY, abi::IOMMU_IOAS_ALLOC, abi::IOMMU_HWPT_ALLOC, abi::IOMMU_VIOMMU_ALLOC,
    abi::IOMMU_VDEVICE_ALLOC, abi::IOMMU_VDEVICE_TSM_MAP, abi::IOMMU_TEST_CMD,
    kvm::create_vm, kvm::create_guest_memfd, kvm::set_user_memory_region2,
    abi::IOMMU_IOAS_MAP, abi::IOMMU_GET_HW_INFO, abi::IOMMU_HWPT_INVALIDATE,  // in the kernel, not modelled
};
static_assert(sizeof known_requests / sizeof *known_requests == 13, "fuzz/make_corpus.py numbers these");

// The command table and the hand list must agree on the iommufd part.
constexpr bool table_covered() {
    for (const auto& c : abi::commands) {
        bool found = false;
        for (unsigned long r : known_requests) found |= r == c.request;
        if (!found) return false;
    }
    return true;
}
static_assert(table_covered(), "every raw::proposed::commands[] request is in known_requests");

// Fake fds are real /dev/null fds (host's default); a step can make the
// next reservation fail as a full fd table would.
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
    return uapikit::fake::fd_source{}.reserve();
}
void release_fd(int fd) { uapikit::fake::fd_source{}.release(fd); }

// The argument buffer. 128 bytes hold every iommufd struct (the fake's own
// copy buffer is that size); KVM's memory_region2 needs 160.
constexpr size_t arg_bytes = 160;
constexpr size_t data_bytes = 64;  // what a data_uptr may point at

[[noreturn]] void violated(const char* what, int step, unsigned long request, int rc, const std::string& before,
                           const std::string& after) {
    std::fprintf(stderr, "INVARIANT: %s (step %d, request %#lx, rc %d)\n--- before\n%s--- after\n%s", what, step,
                 request, rc, before.c_str(), after.c_str());
    __builtin_trap();
}

struct run {
    host h{uapikit::fake::fd_source{reserve_fd, release_fd}};
    std::vector<int> fds;  // every fd handed out, closed ones included
    int at = 0;            // the step being run, for reports

    int pick_fd(uint8_t b) const {
        size_t i = b % (fds.size() + 1);
        return i < fds.size() ? fds[i] : -1;
    }

    void new_fd(int rc, const char* what) {
        if (rc < 0) return;
        if (!h.owns(rc)) violated(what, at, 0, rc, "", "");
        fds.push_back(rc);
    }

    // One ioctl with fuzzer-chosen bytes; pointers in it are only ever 0
    // or into buffers this function owns.
    int ioctl(reader& in, unsigned long& request) {
        int fd = pick_fd(in.byte());
        uint8_t r = in.byte();
        constexpr size_t n_known = sizeof known_requests / sizeof *known_requests;
        request = r < n_known ? known_requests[r] : in.u32();
        uint8_t mode = in.byte();
        alignas(8) uint8_t arg[arg_bytes] = {};
        alignas(8) uint8_t data[data_bytes] = {};
        in.bytes(arg, in.byte() % (arg_bytes + 1));
        in.bytes(data, in.byte() % (data_bytes + 1));
        int patch_fd = pick_fd(static_cast<uint8_t>(mode >> 4));

        // iommufd reads as many bytes as the leading size says: keep that
        // inside `arg`. KVM's structs have no such field.
        bool kvm_struct = request == kvm::create_guest_memfd || request == kvm::set_user_memory_region2;
        uint32_t size;
        std::memcpy(&size, arg, sizeof size);
        if (!kvm_struct) {
            size %= arg_bytes + 1;
            std::memcpy(arg, &size, sizeof size);
        }
        if (request == abi::IOMMU_HWPT_ALLOC) point_data(arg, size, offsetof(abi::iommu_hwpt_alloc, data_uptr), data);
        if (request == abi::IOMMU_VIOMMU_ALLOC) {
            point_data(arg, size, offsetof(abi::iommu_viommu_alloc, data_uptr), data);
            if (mode & 4) put_fd(arg, offsetof(abi::iommu_viommu_alloc, kvm_vm_fd), patch_fd);
            if (mode & 8) put_fd(data, offsetof(abi::iommu_viommu_amd, kvmfd), patch_fd);
        }
        if (request == kvm::set_user_memory_region2 && (mode & 4))
            put_fd(arg, offsetof(kvm::memory_region2, guest_memfd), patch_fd);

        void* a = arg;
        if ((mode & 3) == 2) a = nullptr;
        if ((mode & 3) == 3) a = reinterpret_cast<void*>(uintptr_t{in.byte()});  // a value, as KVM_CREATE_VM takes
        if (a && a != arg && request != kvm::create_vm) a = arg;  // values only where the ABI has one
        int rc = h.ioctl(fd, request, a);
        if (rc >= 0 && a == arg) check_ids(request, arg, size);
        if (rc > 0) new_fd(rc, "ioctl returned an fd the host does not own");  // KVM's creates return fds
        return rc;
    }

    // A non-zero data_uptr becomes the address of `data`; one the kernel
    // would see only in part (size ends inside it) becomes 0.
    static void point_data(uint8_t* arg, uint32_t size, size_t at, uint8_t* data) {
        uint64_t v;
        std::memcpy(&v, arg + at, sizeof v);
        if (v == 0) return;
        v = size >= at + sizeof v || size <= at ? reinterpret_cast<uintptr_t>(data) : 0;
        std::memcpy(arg + at, &v, sizeof v);
    }

    static void put_fd(uint8_t* buf, size_t at, int fd) { std::memcpy(buf + at, &fd, sizeof fd); }

    // Ids a successful allocation wrote back must be real ids.
    void check_ids(unsigned long request, const uint8_t* arg, uint32_t size) const {
        auto id_at = [&](size_t at) {
            if (at + 4 > size) return;  // the reply stops at the caller's size
            uint32_t id;
            std::memcpy(&id, arg + at, sizeof id);
            if (id < 1) violated("a successful call returned id 0", at, request, 0, "", "");
        };
        if (request == abi::IOMMU_IOAS_ALLOC) id_at(offsetof(abi::iommu_ioas_alloc, out_ioas_id));
        if (request == abi::IOMMU_HWPT_ALLOC) id_at(offsetof(abi::iommu_hwpt_alloc, out_hwpt_id));
        if (request == abi::IOMMU_VIOMMU_ALLOC) id_at(offsetof(abi::iommu_viommu_alloc, out_viommu_id));
        if (request == abi::IOMMU_VDEVICE_ALLOC) id_at(offsetof(abi::iommu_vdevice_alloc, out_vdevice_id));
        if (request == abi::IOMMU_TEST_CMD) {
            constexpr size_t mock = offsetof(abi::iommu_test_cmd, mock_domain);
            for (size_t i = 0; i < 3; ++i) id_at(mock + 4 * i);
        }
    }

    // One step; returns its result (>= 0 or -errno) and the request it used.
    int step(reader& in, unsigned long& request) {
        request = 0;
        switch (in.byte() % 8) {
            case 0: {
                int rc = h.open_iommufd();
                new_fd(rc, "open_iommufd returned an fd the host does not own");
                return rc;
            }
            case 1: {
                int rc = h.open_kvm();
                new_fd(rc, "open_kvm returned an fd the host does not own");
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
                uint8_t kind = in.byte() % 3, cap = in.byte();
                // Small capacities reach the AMD Guest ID limit.
                h.add_iommu(static_cast<uapikit::fake::iommu_kind>(kind), cap == 0xff ? 1u << 16 : cap % 4);
                return 0;
            }
            case 5: {
                int fd = pick_fd(in.byte());
                int rc = h.bind_device(fd, static_cast<int>(in.byte()) - 1);
                if (rc == 0) violated("bind_device returned id 0", at, 0, rc, "", "");
                return rc;
            }
            case 6: {
                int fd = pick_fd(in.byte());
                uint32_t dev = in.byte();
                return h.set_device_vm(fd, dev, pick_fd(in.byte()));
            }
            default:
                fail_next_reserve = !no_emfile;
                return 0;
        }
    }
};

constexpr int max_steps = 32;

// UAPIKIT_FUZZ_TRACE=1 prints every step's result: how to read a reproducer.
const bool trace = std::getenv("UAPIKIT_FUZZ_TRACE") != nullptr;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fail_next_reserve = false;
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
        int rc = r.step(in, request);
        if (trace) std::fprintf(stderr, "step %d: request %#lx -> %d\n", i, request, rc);
        stale = rc >= 0;
        if (rc < 0) {
            std::string after = r.h.snapshot();
            if (after != before) violated("a rejected call changed the host", i, request, rc, before, after);
        }
    }
    return 0;
}
