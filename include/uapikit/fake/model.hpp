// What the fake host holds: iommufd contexts with their objects, KVM VMs
// with memslots, physical IOMMU instances and devices. Plain data; the
// rules that change it live in host.hpp.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace uapikit::fake {

enum class iommu_kind { arm_smmuv3, amd, selftest };

// A physical IOMMU instance. AMD hands each guest a 16-bit Guest ID unique
// per instance, and one translation device id per guest.
struct physical_iommu {
    iommu_kind kind;
    uint32_t gid_capacity = 1u << 16;
    std::set<uint32_t> gids_in_use;
    std::map<uint64_t, uint32_t> trans_devid_by_vm;  // vm serial -> translation device id
    uint32_t next_trans_devid = 1;
};

struct memslot {
    uint64_t gpa = 0;
    uint64_t size = 0;
    bool private_capable = false;  // backed by a guest_memfd
};

// A KVM VM. It lives as long as something holds it: its fd, a vIOMMU that
// took the fd, or a guest_memfd.
struct vm {
    uint64_t serial = 0;
    unsigned long type = 0;
    std::map<uint32_t, memslot> slots;
    int holders = 0;
};

enum class object_type { ioas, hwpt_paging, viommu, vdevice, device, mock_device };

struct range {
    uint64_t start = 0;
    uint64_t end = 0;
    bool operator<(const range& o) const { return start < o.start || (start == o.start && end < o.end); }
};

// One iommufd object. `users` counts the objects that depend on it; the
// fields after it are used by the types they name.
struct object {
    explicit object(object_type t) : type(t) {}
    object_type type;
    uint32_t users = 0;
    // hwpt_paging
    uint32_t ioas = 0;
    bool nest_parent = false;
    bool auto_domain = false;  // made by a mock device's attach; goes with the device
    // viommu
    uint32_t hwpt = 0;
    int iommu = -1;                 // physical instance (viommu, device)
    std::shared_ptr<struct vm> vm;  // held VM (viommu with the KVM flag; AMD data)
    uint32_t viommu_type = 0;
    uint32_t gid = 0;
    bool has_gid = false;
    std::vector<std::pair<uint64_t, uint32_t>> vdev_by_virt_id;  // few per vIOMMU: a vector beats a map
    // vdevice
    uint32_t viommu = 0;
    uint32_t device = 0;
    uint64_t virt_id = 0;
    std::vector<range> tsm_mapped;  // in the order they were mapped
    // device
    uint32_t vdevice = 0;              // its vdevice, 0 for none
    uint32_t attached_hwpt = 0;
    std::shared_ptr<struct vm> device_vm;  // the VM a VFIO device learned (KVM_DEV_VFIO_FILE_ADD)
    // mock_device
    uint32_t idev = 0;
};

// A context's objects by id. Ids are the lowest free number from 1, as the
// kernel's allocator gives, so they index a table directly; slots are
// reused, so creating and destroying an object allocates nothing once the
// table has grown. create() may move every object: look objects up again
// after it.
class object_table {
public:
    object* find(uint32_t id) {
        return id >= 1 && id <= slot_count_ && slots_[id - 1] ? &*slots_[id - 1] : nullptr;
    }
    const object* find(uint32_t id) const { return const_cast<object_table*>(this)->find(id); }
    object& at(uint32_t id) { return *find(id); }  // precondition: the id exists

    // Makes an object of type `t` in the lowest free slot, in place: the
    // caller fills its fields through the reference, which stays valid until
    // the next create().
    struct created {
        uint32_t id;
        object& obj;
    };
    created create(object_type t) {
        uint32_t id = first_free_;
        if (id > slot_count_) {
            slots_.emplace_back();
            ++slot_count_;
        }
        object& o = slots_[id - 1].emplace(t);
        ++count_;
        while (first_free_ <= slot_count_ && slots_[first_free_ - 1]) ++first_free_;
        return {id, o};
    }

    void erase(uint32_t id) {
        slots_[id - 1].reset();
        --count_;
        if (id < first_free_) first_free_ = id;
    }

    bool empty() const { return count_ == 0; }
    void clear() {
        slots_.clear();
        slot_count_ = 0;
        count_ = 0;
        first_free_ = 1;
    }

    // Calls f(id, object) in id order; stops early when f returns true.
    template <typename F>
    bool any(F f) const {
        for (std::size_t i = 0; i < slots_.size(); ++i)
            if (slots_[i] && f(static_cast<uint32_t>(i + 1), *slots_[i])) return true;
        return false;
    }

private:
    std::vector<std::optional<object>> slots_;
    // slots_.size(), kept apart: computing it divides by the slot's size,
    // and every lookup needs it.
    uint32_t slot_count_ = 0;
    std::size_t count_ = 0;
    uint32_t first_free_ = 1;
};

struct context {
    object_table objects;
};

}  // namespace uapikit::fake
