/*
 * Independent C declarations of the proposed vIOMMU ABI, written by hand
 * from Linux 6.12's include/uapi/linux/iommufd.h (and
 * Documentation/userspace-api/iommufd.rst) and from the proposals' threads:
 *  - "[PATCH v2 1/3] iommufd/viommu: Allow associating a KVM VM fd with a
 *    vIOMMU" (Aneesh Kumar K.V, 2026),
 *  - "[PATCH v2 17/26] iommu/amd: Pass KVM FD from userspace when
 *    initializing vIOMMU" (Suravee Suthikulpanit, 2026-05-28),
 *  - "[RFC PATCH v1 10/38] iommufd/vdevice: Add TSM map ioctl" (Aneesh
 *    Kumar K.V, 2026),
 * each in its corrected form (explicit padding, aligned 64-bit members, no
 * member moved), as noted at each struct. The PFR test compares the
 * generated bindings with these field by field; nothing here comes from the
 * generator.
 */
#ifndef UAPIKIT_TEST_INDEPENDENT_IOMMUFD_H
#define UAPIKIT_TEST_INDEPENDENT_IOMMUFD_H

#include <stdint.h>

typedef uint64_t indep_aligned_u64 __attribute__((aligned(8)));

struct indep_destroy { uint32_t size, id; };
struct indep_ioas_alloc { uint32_t size, flags, out_ioas_id; };
struct indep_hwpt_alloc {
    uint32_t size, flags, dev_id, pt_id, out_hwpt_id, reserved, data_type, data_len;
    indep_aligned_u64 data_uptr;
    uint32_t fault_id, reserved2;
};
/* "[PATCH v2 1/3] iommufd/viommu: Allow associating a KVM VM fd with a
 * vIOMMU": kvm_vm_fd after data_uptr, at 40; the posted struct leaves 4
 * bytes of implicit tail padding, which its review asked to make explicit:
 * reserved2, 48 bytes in all. */
struct indep_viommu_alloc {
    uint32_t size, flags, type, dev_id, hwpt_id, out_viommu_id, data_len, reserved;
    indep_aligned_u64 data_uptr;
    int32_t kvm_vm_fd;
    uint32_t reserved2;
};
struct indep_vdevice_alloc {
    uint32_t size, viommu_id, dev_id, out_vdevice_id;
    indep_aligned_u64 virt_id;
};
/* "[PATCH v2 17/26] iommu/amd: Pass KVM FD from userspace when
 * initializing vIOMMU": the posted patch inserts kvmfd before reserved,
 * moving reserved from 8 to 12. The compatible form kept here leaves
 * reserved at 8 (where callers of the 16-byte struct already write zero)
 * and puts the fd in the former tail padding, at 12. */
struct indep_viommu_amd {
    indep_aligned_u64 out_vfmmio_mmap_offset;
    uint32_t reserved;
    int32_t kvmfd;
};
/* "[RFC PATCH v1 10/38] iommufd/vdevice: Add TSM map ioctl": the posted
 * struct uses plain __u64 addresses (28 bytes on i386, 32 with tail padding
 * on x86_64). Corrected form: aligned addresses and explicit padding, 32
 * bytes on every target. */
struct indep_tsm_map {
    uint32_t size, flags;
    indep_aligned_u64 start_gpa, end_gpa;
    uint32_t vdevice_id, reserved;
};
/* The selftest mock driver's vIOMMU data (IOMMU_VIOMMU_TYPE_SELFTEST),
 * struct iommu_viommu_selftest of drivers/iommu/iommufd/iommufd_test.h in
 * mainline (the kernel's selftests, tools/testing/selftests/iommu). */
struct indep_viommu_selftest {
    uint32_t in_data, out_data;
    indep_aligned_u64 out_mmap_offset, out_mmap_length;
};

#endif
