// The objects of one iommufd context, as Linux's
// drivers/iommu/iommufd/iommufd_private.h declares them: a typed struct per
// kind, each carrying only its own fields, and a table that gives every
// object an id. What the objects do lives in the file of their family
// (ioas.hpp, hw_pagetable.hpp, device.hpp, viommu.hpp, eventq.hpp,
// selftest.hpp), as in the kernel.
#pragma once

#include <uapikit/fake/io_pagetable.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace uapikit::fake {

struct physical_device;

// IOMMUFD_OBJ_DEVICE: a device bound to the context (device.c). `phys` is
// the host's device it stands for, and `dev` that device itself, which
// outlives every binding of it.
struct device_object {
    uint32_t phys = 0;
    physical_device* dev = nullptr;
    uint32_t hwpt = 0;          // attached HWPT (the group's); 0 for blocked DMA
    uint32_t vdevice = 0;       // its vDEVICE, 0 for none
    uint32_t iopf_enabled = 0;  // attached HWPTs with a fault queue (0 or 1)
};

// IOMMUFD_OBJ_IOAS: an I/O address space (ioas.c over io_pagetable.c).
struct ioas_object {
    io_pagetable iopt;
    std::vector<uint32_t> hwpts;  // its paging HWPTs, in creation order (ioas->hwpt_list)
};

// IOMMUFD_OBJ_HWPT_PAGING: a kernel-managed page table over an IOAS
// (hw_pagetable.c). The domain is the driver's, kept apart so the IOAS can
// point at it while objects move.
struct hwpt_paging_object {
    uint32_t ioas = 0;
    bool nest_parent = false;
    bool auto_domain = false;  // made by an attach to an IOAS; goes with its last device
    uint32_t fault = 0;        // fault queue object, 0 for none
    std::unique_ptr<paging_domain> domain;
};

// IOMMUFD_OBJ_HWPT_NESTED: a user-managed stage 1 over a nesting parent or
// a vIOMMU. The driver's data is kept as given; the mock driver keeps an
// IOTLB the selftest reads back.
struct hwpt_nested_object {
    uint32_t parent = 0;  // paging HWPT
    uint32_t viommu = 0;  // when allocated on a vIOMMU
    uint32_t fault = 0;
    int iommu = -1;       // the physical instance whose driver owns the domain
    uint32_t data_type = 0;
    std::vector<uint8_t> data;
    std::vector<uint32_t> iotlb;  // mock driver only
};

// IOMMUFD_OBJ_ACCESS: an in-kernel user of an IOAS (device.c), here made by
// the selftest's CREATE_ACCESS and by HW queues.
struct access_object {
    uint32_t ioas = 0;        // current IOAS, 0 when detached
    bool needs_pin = false;   // iova_alignment is then PAGE_SIZE
    uint32_t next_item = 0;   // selftest: ids of pinned ranges
    struct item {
        uint32_t id;
        uint64_t iova, length;
    };
    std::vector<item> items;  // selftest: ranges pinned through this access
    bool internal = false;    // a HW queue's, not the selftest's
};

// One page fault waiting for user space (eventq.c): the group the mock
// device raised, or the ones read and waiting for a response.
struct fault_record {
    uint32_t dev_id, pasid, grpid, perm, flags;
    uint64_t addr;
    uint32_t hwpt;  // where it was raised; auto-responded when that attach goes
};

// IOMMUFD_OBJ_FAULT: a page-fault queue with its own fd (eventq.c).
struct fault_object {
    std::deque<fault_record> deliver;              // not read yet
    std::vector<std::pair<uint32_t, fault_record>> response;  // read, by cookie
    uint32_t next_cookie = 1;
    int fd = -1;
};

// IOMMUFD_OBJ_VIOMMU (viommu.c), with the proposals' VM and AMD Guest ID.
struct viommu_object {
    viommu_object(uint32_t hwpt_id, int iommu_index, uint32_t viommu_type, std::shared_ptr<struct vm> v,
                  std::optional<uint32_t> guest_id)
        : hwpt(hwpt_id), iommu(iommu_index), type(viommu_type), vm(std::move(v)), gid(guest_id) {}
    uint32_t hwpt = 0;  // nesting parent
    int iommu = -1;     // physical instance
    uint32_t type = 0;
    std::shared_ptr<struct vm> vm;
    std::optional<uint32_t> gid;
    std::vector<std::pair<uint64_t, uint32_t>> vdevs;  // virt_id -> vdevice id
    std::vector<uint32_t> veventqs;
};

// IOMMUFD_OBJ_VDEVICE (viommu.c) and the TSM map proposal's ranges.
struct vdevice_object {
    uint32_t viommu = 0;
    uint32_t device = 0;
    uint64_t virt_id = 0;
    std::vector<std::pair<uint64_t, uint64_t>> tsm_mapped;  // [start, end) in order
};

// IOMMUFD_OBJ_VEVENTQ: a vIOMMU's event queue of one type (eventq.c).
struct veventq_object {
    uint32_t viommu = 0;
    uint32_t type = 0;
    uint32_t depth = 0;
    uint32_t sequence = 0;
    bool lost = false;  // a LOST_EVENTS header is queued at the tail
    uint32_t lost_sequence = 0;
    struct event {
        uint32_t sequence;
        std::vector<uint8_t> data;
    };
    std::deque<event> deliver;
    int fd = -1;
};

// IOMMUFD_OBJ_HW_QUEUE (viommu.c).
struct hw_queue_object {
    uint32_t viommu = 0;
    uint32_t type = 0;
    uint32_t index = 0;
    uint64_t base = 0, length = 0;
    uint32_t access = 0;  // the internal access pinning the queue's pages
};

// IOMMUFD_OBJ_SELFTEST: a mock device and its binding (selftest.c).
struct selftest_object {
    uint32_t idev = 0;
    uint32_t phys = 0;
};

// One slot per id, in the kernel's type order (enum iommufd_object_type).
using object = std::variant<device_object, hwpt_paging_object, hwpt_nested_object, ioas_object, access_object,
                            fault_object, viommu_object, vdevice_object, veventq_object, hw_queue_object,
                            selftest_object>;

// The object's name for snapshots and messages.
inline const char* kind_name(const object& o) {
    static constexpr const char* names[] = {"device", "hwpt_paging", "hwpt_nested", "ioas", "access", "fault",
                                            "viommu", "vdevice", "veventq", "hw_queue", "selftest"};
    return names[o.index()];
}

// A context's objects by id. Ids are the lowest free number from 1, as the
// kernel's xa_alloc gives. As in the kernel, an id is reserved first and
// the object becomes visible only when published: until then lookups do
// not find it, and erase() gives the id back as if nothing happened. Each
// slot lives in memory of its own, made the first time its id is used and
// kept for the ids after it, so a reference to one object stays valid while
// others are created. Beside the slots, one byte per id says whether the id
// is free, reserved, or published and of which kind: a typed lookup reads
// that byte and the slot's address side by side instead of following the
// slot to learn whether it holds anything. That byte also says whether the
// slot's memory holds an object, so the memory is raw storage rather than
// a std::optional: making an object does not first test for one to destroy
// (35 of clang++'s 407 instructions per vIOMMU alloc and destroy pair,
// bench/fake_instructions.sh).
class object_table {
public:
    struct slot {
        template <typename T, typename... Args>
        explicit slot(std::in_place_type_t<T> t, Args&&... args) : obj(t, std::forward<Args>(args)...) {}
        uint32_t users = 0;  // references that keep it from being destroyed
        object obj;
    };

    object_table() = default;
    object_table(const object_table&) = delete;
    object_table& operator=(const object_table&) = delete;
    ~object_table() {
        for (std::size_t i = 0; i < slots_.size(); ++i)
            if (state_[i] != free_id) std::destroy_at(&slot_at(i));
    }

    // A published object of type T, or null (ENOENT in the kernel).
    template <typename T>
    T* get(uint32_t id) {
        const uint32_t i = id - 1;  // id 0 wraps to an index past the end
        if (i >= state_.size() || state_[i] != published_as<T>) return nullptr;
        return std::get_if<T>(&slot_at(i).obj);
    }
    slot* find(uint32_t id) {
        const uint32_t i = id - 1;
        return i < state_.size() && state_[i] >= published_base ? &slot_at(i) : nullptr;
    }
    const slot* find(uint32_t id) const { return const_cast<object_table*>(this)->find(id); }
    // Whether the reserved or published object `id` is published.
    bool published(uint32_t id) const { return state_[id - 1] >= published_base; }
    // The id the next alloc() takes (the lowest free one), and whether an
    // id is taken, published or not.
    uint32_t next_id() const { return first_free_; }
    bool allocated(uint32_t id) const { return id - 1 < state_.size() && state_[id - 1] != free_id; }
    // Published or not: for the code that made it.
    slot& at(uint32_t id) { return slot_at(id - 1); }
    template <typename T>
    T& at_as(uint32_t id) {
        return std::get<T>(slot_at(id - 1).obj);
    }

    // Reserves the lowest free id for a new T made from args, not yet
    // published (iommufd_object_alloc()): its id and the object. Inlined
    // by force: out of line, clang++ spent 24 instructions of a vIOMMU
    // alloc and destroy pair on the call (bench/fake_instructions.sh).
    template <typename T>
    struct reserved {
        uint32_t id;
        T& obj;
    };
    template <typename T, typename... Args>
    [[gnu::always_inline]] reserved<T> alloc(Args&&... args) {
        uint32_t id = first_free_;
        if (id > slots_.size()) [[unlikely]]
            grow();
        slot& s = *std::construct_at(reinterpret_cast<slot*>(slots_[id - 1]->bytes), std::in_place_type<T>,
                                     std::forward<Args>(args)...);
        state_[id - 1] = reserved_id;
        ++count_;
        while (first_free_ <= state_.size() && state_[first_free_ - 1] != free_id) ++first_free_;
        return {id, *std::get_if<T>(&s.obj)};
    }
    void publish(uint32_t id) { state_[id - 1] = static_cast<uint8_t>(published_base + at(id).obj.index()); }
    // Hides a published object from lookups again; its id stays taken.
    void unpublish(uint32_t id) { state_[id - 1] = reserved_id; }
    // Frees the id (reserved or published); the caller undid what it held.
    // Its memory stays for the next object there (an alloc/destroy loop
    // would otherwise allocate every time); an empty slot is invisible to
    // lookups and to for_each.
    void erase(uint32_t id) {
        std::destroy_at(&slot_at(id - 1));
        state_[id - 1] = free_id;
        --count_;
        if (id < first_free_) first_free_ = id;
    }

    bool empty() const { return count_ == 0; }

    // f(id, slot) for every reserved or published object, in id order.
    template <typename F>
    void for_each(F f) const {
        for (std::size_t i = 0; i < slots_.size(); ++i)
            if (state_[i] != free_id) f(static_cast<uint32_t>(i + 1), slot_at(i));
    }

private:
    static constexpr uint8_t free_id = 0, reserved_id = 1, published_base = 2;
    // published_base + the index of T among the object kinds.
    template <typename T, typename... Kinds>
    static constexpr uint8_t state_of(std::variant<Kinds...>*) {
        constexpr bool match[] = {std::is_same_v<T, Kinds>...};
        uint8_t i = 0;
        while (!match[i]) ++i;
        return static_cast<uint8_t>(published_base + i);
    }
    template <typename T>
    static constexpr uint8_t published_as = state_of<T>(static_cast<object*>(nullptr));

    // Memory for one slot, which holds an object while its id is not free.
    struct slot_memory {
        alignas(slot) std::byte bytes[sizeof(slot)];
    };
    // One more free id, with its memory; out of line, so that alloc(),
    // which seldom needs it, stays small enough to inline.
    [[gnu::noinline]] void grow() {
        slots_.push_back(std::make_unique_for_overwrite<slot_memory>());
        state_.push_back(free_id);
    }
    slot& slot_at(std::size_t i) const { return *std::launder(reinterpret_cast<slot*>(slots_[i]->bytes)); }

    std::vector<std::unique_ptr<slot_memory>> slots_;
    std::vector<uint8_t> state_;  // per id: free_id, reserved_id or published_base + kind
    std::size_t count_ = 0;
    uint32_t first_free_ = 1;
};

// How pinned pages are charged against RLIMIT_MEMLOCK (IOMMU_OPTION_RLIMIT_MODE).
enum class account_mode : uint8_t { user, mm };

// One open /dev/iommu: struct iommufd_ctx.
struct iommufd_ctx {
    object_table objects;
    uint32_t vfio_ioas = 0;          // the VFIO compatibility IOAS
    account_mode accounting = account_mode::user;
    bool no_iommu_mode = false;
    uint32_t refs = 1;               // open files and in-kernel users of the context
};

}  // namespace uapikit::fake
