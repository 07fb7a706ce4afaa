// What the family files share, as Linux's
// drivers/iommu/iommufd/iommufd_private.h: the command being run
// (struct iommufd_ucmd), typed lookups, and the functions one family calls
// in another. Each is defined in the file named in its comment.
#pragma once

#include <uapikit/fake/objects.hpp>
#include <uapikit/fake/platform.hpp>
#include <uapikit/generated/proposed.hpp>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace uapikit::fake {

namespace abi = uapikit::raw::proposed;

// One iommufd ioctl in progress (struct iommufd_ucmd): the context, the
// machine, the caller's memory and where its argument struct is.
struct ucmd {
    iommufd_ctx& ictx;
    platform& plat;
    user_space user;
    uint64_t ubuffer = 0;    // the caller's struct
    uint32_t user_size = 0;  // its leading `size`
    // What respond() or respond_from() asked to copy back: 0 nothing, else
    // 1 + the offset the copy back starts at (0 stays the default, so the
    // struct is set up as cheaply as a bool's false).
    uint16_t reply = 0;

    // Marks the struct to be copied back (min(user_size, sizeof)), as
    // iommufd_ucmd_respond(). Handlers write outputs only right before it.
    int respond() {
        reply = 1;
        return 0;
    }
    // Marks only the bytes from `offset` to the end of the struct to be
    // copied back, for a command that copies one trailing field out itself
    // (IOMMU_OPTION writes back val64 alone).
    int respond_from(uint16_t offset) {
        reply = static_cast<uint16_t>(offset + 1);
        return 0;
    }
    bool responded() const { return reply != 0; }
    // Precondition: responded().
    size_t reply_from() const { return reply - 1u; }

    object_table& objects() { return ictx.objects; }
};

// ---- lookups (iommufd_get_*) --------------------------------------------
// Each returns the published object of that type, or null for ENOENT.

inline device_object* get_device(ucmd& u, uint32_t id) { return u.objects().get<device_object>(id); }
inline ioas_object* get_ioas(iommufd_ctx& ictx, uint32_t id) { return ictx.objects.get<ioas_object>(id); }
inline hwpt_paging_object* get_hwpt_paging(ucmd& u, uint32_t id) { return u.objects().get<hwpt_paging_object>(id); }
inline viommu_object* get_viommu(ucmd& u, uint32_t id) { return u.objects().get<viommu_object>(id); }

// ---- across families ----------------------------------------------------

// main.hpp: removes a published object nothing uses (IOMMU_DESTROY's core).
inline int object_remove(iommufd_ctx& ictx, platform& plat, uint32_t id);
// main.hpp: drops one use of an object, destroying an automatic domain
// that has none left (iommufd_hw_pagetable_put).
inline void hwpt_put(iommufd_ctx& ictx, platform& plat, uint32_t hwpt_id);
// main.hpp: runs an object's destructor and frees its id.
inline void object_destroy(iommufd_ctx& ictx, platform& plat, uint32_t id);

// hw_pagetable.hpp
inline int hwpt_paging_alloc(iommufd_ctx& ictx, platform& plat, uint32_t ioas_id, uint32_t idev_id, uint32_t flags,
                      bool immediate_attach, bool user_data, uint32_t* out_id);
inline void hwpt_paging_destroy(iommufd_ctx& ictx, platform& plat, uint32_t id, hwpt_paging_object& h);
inline void hwpt_nested_destroy(iommufd_ctx& ictx, platform& plat, hwpt_nested_object& h);

// device.hpp
inline uint32_t device_bind(iommufd_ctx& ictx, platform& plat, uint32_t phys);
inline void device_unbind(iommufd_ctx& ictx, platform& plat, uint32_t idev_id);
inline int device_attach(iommufd_ctx& ictx, platform& plat, uint32_t idev_id, uint32_t* pt_id);
inline int device_replace(iommufd_ctx& ictx, platform& plat, uint32_t idev_id, uint32_t* pt_id);
inline void device_detach(iommufd_ctx& ictx, platform& plat, uint32_t idev_id);
inline uint32_t hw_pagetable_detach(iommufd_ctx& ictx, uint32_t idev_id);
inline int hw_pagetable_attach(iommufd_ctx& ictx, platform& plat, uint32_t hwpt_id, uint32_t idev_id);
inline uint32_t access_create(iommufd_ctx& ictx, bool needs_pin, bool internal);
inline int access_change_ioas(iommufd_ctx& ictx, platform& plat, uint32_t access_id, uint32_t new_ioas);
inline void access_unpin(iommufd_ctx& ictx, platform& plat, uint32_t access_id, uint64_t iova, uint64_t length);
inline void access_destroy(iommufd_ctx& ictx, platform& plat, uint32_t access_id);
inline void access_notify_unmap(iommufd_ctx& ictx, platform& plat, ioas_object& ioas, uint64_t iova, uint64_t length);

// ioas.hpp
inline void ioas_destroy(iommufd_ctx& ictx, platform& plat, ioas_object& ioas);
inline int iopt_table_add_domain(iommufd_ctx& ictx, platform& plat, ioas_object& ioas, paging_domain& d);
inline void iopt_table_remove_domain(iommufd_ctx& ictx, platform& plat, ioas_object& ioas, paging_domain& d);
inline int iopt_calculate_iova_alignment(iommufd_ctx& ictx, ioas_object& ioas, bool check);
inline int iopt_unmap_iova_range(iommufd_ctx& ictx, platform& plat, ioas_object& ioas, uint64_t start, uint64_t last,
                                 uint64_t* unmapped);

// viommu.hpp
inline void viommu_destroy(iommufd_ctx& ictx, platform& plat, viommu_object& v);
inline void vdevice_destroy(iommufd_ctx& ictx, platform& plat, uint32_t id, vdevice_object& vd);
inline void hw_queue_destroy(iommufd_ctx& ictx, platform& plat, hw_queue_object& q);

// eventq.hpp
inline void fault_destroy(fault_object& f);
inline void auto_response_faults(iommufd_ctx& ictx, uint32_t hwpt_id, uint32_t dev_id);

// selftest.hpp
inline void selftest_destroy(iommufd_ctx& ictx, platform& plat, selftest_object& s);

// The paging domain under a HWPT id: its own, or its parent's for a nested one.
inline hwpt_paging_object* find_hwpt_paging(iommufd_ctx& ictx, uint32_t hwpt_id) {
    if (auto* p = ictx.objects.get<hwpt_paging_object>(hwpt_id)) return p;
    return nullptr;
}

}  // namespace uapikit::fake
