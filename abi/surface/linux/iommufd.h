/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * uapikit's description of the iommufd vIOMMU surface.
 *
 * This is not a copy of the kernel header: it restates, in uapikit's own
 * declarations, the layouts and numbers listed in ../shared/uapi-facts.md
 * (sections 1 and 4) and in the proposals of ../shared/seeds. Names, field
 * order and values are the kernel's; everything else is ours.
 *
 * One file describes every shipped version. Each version in abi/<name>/
 * selects its proposals with -D switches (see abi/README.md):
 *
 *   UAPIKIT_VIOMMU_KVM_FD  0 absent, 1 seed 001 as posted, 2 corrected
 *   UAPIKIT_AMD_VIOMMU     0 absent, 1 AMD data before seed 000,
 *                          2 seed 000 as posted, 3 corrected
 *   UAPIKIT_TSM_MAP        0 absent, 1 seed 002 as posted, 2 corrected
 *
 * The description is partial: it covers the structs the vIOMMU flow uses,
 * every command number and every request macro, not the rest of the header.
 */
#ifndef _UAPIKIT_SURFACE_IOMMUFD_H
#define _UAPIKIT_SURFACE_IOMMUFD_H

#include <linux/ioctl.h>
#include <linux/types.h>

/*
 * An unset switch reads as 0 in #if. The switches are never #defined here,
 * so they stay out of the manifests.
 */

/* The ioctl "type" byte shared by every iommufd request. */
#define IOMMUFD_TYPE (';')

/* Command numbers: the low byte of each request, a slot in the kernel's table. */
enum {
	IOMMUFD_CMD_BASE = 0x80,
	IOMMUFD_CMD_DESTROY = IOMMUFD_CMD_BASE,
	IOMMUFD_CMD_IOAS_ALLOC = 0x81,
	IOMMUFD_CMD_IOAS_ALLOW_IOVAS = 0x82,
	IOMMUFD_CMD_IOAS_COPY = 0x83,
	IOMMUFD_CMD_IOAS_IOVA_RANGES = 0x84,
	IOMMUFD_CMD_IOAS_MAP = 0x85,
	IOMMUFD_CMD_IOAS_UNMAP = 0x86,
	IOMMUFD_CMD_OPTION = 0x87,
	IOMMUFD_CMD_VFIO_IOAS = 0x88,
	IOMMUFD_CMD_HWPT_ALLOC = 0x89,
	IOMMUFD_CMD_GET_HW_INFO = 0x8a,
	IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING = 0x8b,
	IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP = 0x8c,
	IOMMUFD_CMD_HWPT_INVALIDATE = 0x8d,
	IOMMUFD_CMD_FAULT_QUEUE_ALLOC = 0x8e,
	IOMMUFD_CMD_IOAS_MAP_FILE = 0x8f,
	IOMMUFD_CMD_VIOMMU_ALLOC = 0x90,
	IOMMUFD_CMD_VDEVICE_ALLOC = 0x91,
	IOMMUFD_CMD_IOAS_CHANGE_PROCESS = 0x92,
	IOMMUFD_CMD_VEVENTQ_ALLOC = 0x93,
	IOMMUFD_CMD_HW_QUEUE_ALLOC = 0x94,
#if UAPIKIT_TSM_MAP
	/* Seed 002 numbers its two sibling TSM commands before the map. */
	IOMMUFD_CMD_VDEVICE_TSM_OP = 0x95,
	IOMMUFD_CMD_VDEVICE_TSM_GUEST_REQUEST = 0x96,
	IOMMUFD_CMD_VDEVICE_TSM_MAP = 0x97,
#endif
};

/* Every request is _IO(';', nr): the size lives in the struct, not the number. */
#define IOMMU_DESTROY _IO(IOMMUFD_TYPE, IOMMUFD_CMD_DESTROY)
#define IOMMU_IOAS_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOC)
#define IOMMU_IOAS_ALLOW_IOVAS _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOW_IOVAS)
#define IOMMU_IOAS_COPY _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_COPY)
#define IOMMU_IOAS_IOVA_RANGES _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_IOVA_RANGES)
#define IOMMU_IOAS_MAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_MAP)
#define IOMMU_IOAS_UNMAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_UNMAP)
#define IOMMU_OPTION _IO(IOMMUFD_TYPE, IOMMUFD_CMD_OPTION)
#define IOMMU_VFIO_IOAS _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VFIO_IOAS)
#define IOMMU_HWPT_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_ALLOC)
#define IOMMU_GET_HW_INFO _IO(IOMMUFD_TYPE, IOMMUFD_CMD_GET_HW_INFO)
#define IOMMU_HWPT_SET_DIRTY_TRACKING _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING)
#define IOMMU_HWPT_GET_DIRTY_BITMAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP)
#define IOMMU_HWPT_INVALIDATE _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_INVALIDATE)
#define IOMMU_FAULT_QUEUE_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_FAULT_QUEUE_ALLOC)
#define IOMMU_IOAS_MAP_FILE _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_MAP_FILE)
#define IOMMU_VIOMMU_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VIOMMU_ALLOC)
#define IOMMU_VDEVICE_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VDEVICE_ALLOC)
#define IOMMU_IOAS_CHANGE_PROCESS _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_CHANGE_PROCESS)
#define IOMMU_VEVENTQ_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VEVENTQ_ALLOC)
#define IOMMU_HW_QUEUE_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HW_QUEUE_ALLOC)

/* Drop one object by id. Required fields end at id (8 bytes). */
struct iommu_destroy {
	__u32 size;
	__u32 id;
};

/* New I/O address space; flags must be 0. Required fields end at out_ioas_id. */
struct iommu_ioas_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_ioas_id;
};

/* Bits of iommu_hwpt_alloc.flags. */
enum iommufd_hwpt_alloc_flags {
	IOMMU_HWPT_ALLOC_NEST_PARENT = 1 << 0,
	IOMMU_HWPT_ALLOC_DIRTY_TRACKING = 1 << 1,
	IOMMU_HWPT_FAULT_ID_VALID = 1 << 2,
	IOMMU_HWPT_ALLOC_PASID = 1 << 3,
};

/* What data_uptr of iommu_hwpt_alloc points at. */
enum iommu_hwpt_data_type {
	IOMMU_HWPT_DATA_NONE = 0,
	IOMMU_HWPT_DATA_VTD_S1 = 1,
	IOMMU_HWPT_DATA_ARM_SMMUV3 = 2,
	IOMMU_HWPT_DATA_AMD_GUEST = 3,
};

/*
 * New hardware page table over an IOAS (paging) or a parent HWPT (nested).
 * The vIOMMU flow allocates a paging one with NEST_PARENT and data type NONE.
 * Required fields end at __reserved (24 bytes).
 */
struct iommu_hwpt_alloc {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 pt_id;
	__u32 out_hwpt_id;
	__u32 __reserved;
	__u32 data_type;
	__u32 data_len;
	__aligned_u64 data_uptr;
	__u32 fault_id;
	__u32 __reserved2;
};

/* Kinds of virtual IOMMU; the selftest mock adds IOMMU_VIOMMU_TYPE_SELFTEST. */
enum iommu_viommu_type {
	IOMMU_VIOMMU_TYPE_DEFAULT = 0,
	IOMMU_VIOMMU_TYPE_ARM_SMMUV3 = 1,
	IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV = 2,
#if UAPIKIT_AMD_VIOMMU
	IOMMU_VIOMMU_TYPE_AMD = 3,
#endif
};

#if UAPIKIT_VIOMMU_KVM_FD == 1
/* Seed 001 as posted: BIT() exists only inside the kernel. */
#define IOMMU_VIOMMU_KVM_FD BIT(0)
#elif UAPIKIT_VIOMMU_KVM_FD == 2
/* Corrected: a flags enum that userspace can evaluate. */
enum iommu_viommu_flags {
	IOMMU_VIOMMU_KVM_FD = 1 << 0,
};
#endif

/*
 * A virtual IOMMU on a nesting-parent HWPT, backed by the physical IOMMU
 * of dev_id. Driver data of data_len bytes sits at data_uptr. Required
 * fields end at out_viommu_id (24 bytes); later fields are optional.
 */
struct iommu_viommu_alloc {
	__u32 size;
	__u32 flags;
	__u32 type;
	__u32 dev_id;
	__u32 hwpt_id;
	__u32 out_viommu_id;
	__u32 data_len;
	__u32 __reserved;
	__aligned_u64 data_uptr;
#if UAPIKIT_VIOMMU_KVM_FD == 1
	/* Posted form: leaves 4 bytes of implicit tail padding. */
	__s32 kvm_vm_fd;
#elif UAPIKIT_VIOMMU_KVM_FD == 2
	__s32 kvm_vm_fd;
	__u32 __reserved2;
#endif
};

/*
 * A virtual device: dev_id as seen through viommu_id, known to the guest
 * as virt_id. Required fields end at virt_id (24 bytes).
 */
struct iommu_vdevice_alloc {
	__u32 size;
	__u32 viommu_id;
	__u32 dev_id;
	__u32 out_vdevice_id;
	__aligned_u64 virt_id;
};

#if UAPIKIT_AMD_VIOMMU == 1
/* AMD HW-vIOMMU driver data before seed 000: 4 bytes of tail padding. */
struct iommu_viommu_amd {
	__aligned_u64 out_vfmmio_mmap_offset;
	__u32 reserved;
};
#elif UAPIKIT_AMD_VIOMMU == 2
/* Seed 000 as posted: kvmfd takes the bytes where reserved was. */
struct iommu_viommu_amd {
	__aligned_u64 out_vfmmio_mmap_offset;
	__u32 kvmfd;
	__u32 reserved;
};
#elif UAPIKIT_AMD_VIOMMU == 3
/* Corrected: reserved stays at offset 8, the fd fills the old tail padding. */
struct iommu_viommu_amd {
	__aligned_u64 out_vfmmio_mmap_offset;
	__u32 reserved;
	__s32 kvmfd;
};
#endif

#if UAPIKIT_TSM_MAP
#define IOMMU_VDEVICE_TSM_MAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VDEVICE_TSM_MAP)
#endif

#if UAPIKIT_TSM_MAP == 1
/*
 * Seed 002 as posted: plain __u64 is 4-byte aligned on i386, so the struct
 * is 28 bytes there and 32 (with tail padding) on 64-bit targets.
 */
struct iommu_vdevice_tsm_map {
	__u32 size;
	__u32 flags;
	__u64 start_gpa;
	__u64 end_gpa;
	__u32 vdevice_id;
};
#elif UAPIKIT_TSM_MAP == 2
/* Corrected: 8-byte aligned addresses and explicit padding, 32 bytes everywhere. */
struct iommu_vdevice_tsm_map {
	__u32 size;
	__u32 flags;
	__aligned_u64 start_gpa;
	__aligned_u64 end_gpa;
	__u32 vdevice_id;
	__u32 __reserved;
};
#endif

#endif /* _UAPIKIT_SURFACE_IOMMUFD_H */
