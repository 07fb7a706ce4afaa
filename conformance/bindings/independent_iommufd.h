/*
 * Independent C declarations of the proposed vIOMMU ABI, written by hand
 * from Linux 6.12's include/uapi/linux/iommufd.h and the proposals' patches
 * (KVM VM fd v2 1/3, AMD HW-vIOMMU v2 17/26, TSM map RFC v1 10/38; iommu list,
 * 2026) with the corrections their reviewers asked for. The PFR test compares the generated bindings with
 * these field by field; nothing here comes from the generator.
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
/* 6.1 corrected: kvm_vm_fd at 40, explicit padding to 48. */
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
/* 6.2 corrected: reserved stays at 8, the fd takes the old tail padding. */
struct indep_viommu_amd {
    indep_aligned_u64 out_vfmmio_mmap_offset;
    uint32_t reserved;
    int32_t kvmfd;
};
/* 6.3 corrected: aligned addresses, explicit padding: 32 bytes. */
struct indep_tsm_map {
    uint32_t size, flags;
    indep_aligned_u64 start_gpa, end_gpa;
    uint32_t vdevice_id, reserved;
};
/* Section 5: the mock driver's vIOMMU data. */
struct indep_viommu_selftest {
    uint32_t in_data, out_data;
    indep_aligned_u64 out_mmap_offset, out_mmap_length;
};

#endif
