/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * uapikit's description of the iommufd user API (include/uapi/linux/iommufd.h).
 *
 * This is not a copy of the kernel header: it restates, in uapikit's own
 * declarations and words, the layouts and numbers of the upstream header
 * and of the proposals on the iommu list. Names, field order and values are
 * the kernel's; comments are ours. Sources, per part:
 *
 *   - everything Linux 6.12 has: Debian's linux-source-6.12,
 *     include/uapi/linux/iommufd.h and drivers/iommu/iommufd/main.c (the
 *     command table's last required fields);
 *   - what came after 6.12 up to HW_QUEUE_ALLOC (0x94): the mainline header
 *     as of Linux 6.17 (IOAS_MAP_FILE, vIOMMU and vDEVICE, IOAS_CHANGE_PROCESS,
 *     vEVENTQ, HW queues, the hw_info input type) and the AMD nested series
 *     merged later ("iommu/amd: Add support for nested translation",
 *     S. Suthikulpanit, 2025: IOMMU_HW_INFO_TYPE_AMD, IOMMU_HWPT_DATA_AMD_GUEST);
 *   - IOAS_NOIOMMU_GET_PA (0x95, "iommufd: Enable noiommu mode for cdev",
 *     2026): see the note at its struct.
 *
 * One file describes every shipped version. Each version in abi/<name>/
 * selects its parts with -D switches (see abi/README.md):
 *
 *   UAPIKIT_NOIOMMU_GET_PA 0 absent (Linux 7.1), 1 present (mainline, 2026)
 *   UAPIKIT_VIOMMU_KVM_FD  0 absent, 1 KVM VM fd proposal as posted, 2 corrected
 *   UAPIKIT_AMD_VIOMMU     0 absent, 1 AMD HW-vIOMMU data before its kvmfd patch,
 *                          2 kvmfd patch as posted, 3 corrected
 *   UAPIKIT_TSM_MAP        0 absent, 1 TSM map RFC as posted, 2 corrected
 *
 * The TSM series numbers its commands 0x95-0x97, so it cannot be combined
 * with UAPIKIT_NOIOMMU_GET_PA: mainline took 0x95 first.
 *
 * Not described: a flag the ARM SMMUv3 hw_info gained in 2026
 * (IOMMU_HW_INFO_ARM_SMMUV3_ERRATA_REPEAT_TLBI_CFGI, bit 0 of
 * iommu_hw_info_arm_smmuv3.flags) is given below as an unnamed enum,
 * because the sources we could read name the constant but not its enum.
 */
#ifndef _UAPIKIT_SURFACE_IOMMUFD_H
#define _UAPIKIT_SURFACE_IOMMUFD_H

#include <linux/ioctl.h>
#include <linux/types.h>

/*
 * An unset switch reads as 0 in #if. The switches are never #defined here,
 * so they stay out of the manifests.
 */
#if UAPIKIT_NOIOMMU_GET_PA && UAPIKIT_TSM_MAP
#error "UAPIKIT_TSM_MAP numbers its commands from 0x95, which IOAS_NOIOMMU_GET_PA holds"
#endif

/* The ioctl "type" byte shared by every iommufd request. */
#define IOMMUFD_TYPE (';')

/*
 * Command numbers: the low byte of each request and a slot in the kernel's
 * dispatch table. Every request is _IO(';', nr): the number carries no
 * size, the argument's leading __u32 size does. Errors every command shares:
 * ENOTTY for an unknown number, EINVAL when size is below the end of the
 * last required field, E2BIG when bytes past the kernel's struct are not 0,
 * EOPNOTSUPP for a field value the kernel does not support.
 */
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
#if UAPIKIT_NOIOMMU_GET_PA
	IOMMUFD_CMD_IOAS_NOIOMMU_GET_PA = 0x95,
#endif
#if UAPIKIT_TSM_MAP
	/* The TSM series numbers its two sibling commands before the map. */
	IOMMUFD_CMD_VDEVICE_TSM_OP = 0x95,
	IOMMUFD_CMD_VDEVICE_TSM_GUEST_REQUEST = 0x96,
	IOMMUFD_CMD_VDEVICE_TSM_MAP = 0x97,
#endif
};

/* ---- Objects in general ---- */

/*
 * IOMMU_DESTROY: drop any destroyable object by id. ENOENT for an unknown
 * id, EBUSY while another object depends on it. Required up to id (8 bytes).
 */
struct iommu_destroy {
	__u32 size;
	__u32 id;
};
#define IOMMU_DESTROY _IO(IOMMUFD_TYPE, IOMMUFD_CMD_DESTROY)

/* ---- I/O address spaces (IOAS) ---- */

/*
 * IOMMU_IOAS_ALLOC: a new, empty IOVA space. flags must be 0. Returns its id
 * in out_ioas_id. Required up to out_ioas_id (12 bytes).
 */
struct iommu_ioas_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_ioas_id;
};
#define IOMMU_IOAS_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOC)

/* One IOVA interval; last is inclusive. Element of the range arrays below. */
struct iommu_iova_range {
	__aligned_u64 start;
	__aligned_u64 last;
};

/*
 * IOMMU_IOAS_IOVA_RANGES: the IOVA intervals ioas_id may map now. In:
 * num_iovas is the capacity of the iommu_iova_range array at allowed_iovas.
 * Out: num_iovas is the number of ranges; when the array was too small the
 * call fails with EMSGSIZE after setting it, so callers ask, grow and ask
 * again. out_iova_alignment is the alignment every mapping's start and end
 * must have (at most PAGE_SIZE). The answer changes as devices attach and
 * detach. Required up to out_iova_alignment (32 bytes).
 */
struct iommu_ioas_iova_ranges {
	__u32 size;
	__u32 ioas_id;
	__u32 num_iovas;
	__u32 __reserved;
	__aligned_u64 allowed_iovas;
	__aligned_u64 out_iova_alignment;
};
#define IOMMU_IOAS_IOVA_RANGES _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_IOVA_RANGES)

/*
 * IOMMU_IOAS_ALLOW_IOVAS: replace ioas_id's list of IOVA intervals that must
 * stay usable (num_iovas entries at allowed_iovas). Attaching a device that
 * would narrow them then fails, and automatic IOVA placement stays inside
 * them. Required up to allowed_iovas (24 bytes).
 */
struct iommu_ioas_allow_iovas {
	__u32 size;
	__u32 ioas_id;
	__u32 num_iovas;
	__u32 __reserved;
	__aligned_u64 allowed_iovas;
};
#define IOMMU_IOAS_ALLOW_IOVAS _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOW_IOVAS)

/* Bits of the flags of IOAS_MAP, IOAS_MAP_FILE and IOAS_COPY. */
enum iommufd_ioas_map_flags {
	IOMMU_IOAS_MAP_FIXED_IOVA = 1 << 0, /* iova is an input; else the kernel picks it */
	IOMMU_IOAS_MAP_WRITEABLE = 1 << 1,  /* the device may write */
	IOMMU_IOAS_MAP_READABLE = 1 << 2,   /* the device may read */
};

/*
 * IOMMU_IOAS_MAP: map length bytes of this process's memory at user_va into
 * ioas_id. With FIXED_IOVA the mapping goes at iova, which must be free;
 * without it the kernel chooses and returns iova. Required up to iova
 * (40 bytes).
 */
struct iommu_ioas_map {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 user_va;
	__aligned_u64 length;
	__aligned_u64 iova;
};
#define IOMMU_IOAS_MAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_MAP)

/*
 * IOMMU_IOAS_MAP_FILE: as IOAS_MAP, but the memory is length bytes of the
 * memfd fd from byte offset start. Required up to iova (40 bytes).
 */
struct iommu_ioas_map_file {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__s32 fd;
	__aligned_u64 start;
	__aligned_u64 length;
	__aligned_u64 iova;
};
#define IOMMU_IOAS_MAP_FILE _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_MAP_FILE)

/*
 * IOMMU_IOAS_COPY: map into dst_ioas_id the pages that src_ioas_id maps at
 * [src_iova, src_iova + length), which must be exactly what one earlier map
 * created. dst_iova works as iova does for IOAS_MAP. Required up to
 * src_iova (40 bytes).
 */
struct iommu_ioas_copy {
	__u32 size;
	__u32 flags;
	__u32 dst_ioas_id;
	__u32 src_ioas_id;
	__aligned_u64 length;
	__aligned_u64 dst_iova;
	__aligned_u64 src_iova;
};
#define IOMMU_IOAS_COPY _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_COPY)

/*
 * IOMMU_IOAS_UNMAP: remove whole mappings inside [iova, iova + length) of
 * ioas_id (iova 0 and length U64_MAX remove all); length returns the bytes
 * unmapped. A range that cuts a mapping is refused; nothing to unmap is
 * ENOENT. Required up to length (24 bytes).
 */
struct iommu_ioas_unmap {
	__u32 size;
	__u32 ioas_id;
	__aligned_u64 iova;
	__aligned_u64 length;
};
#define IOMMU_IOAS_UNMAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_UNMAP)

/* ---- Options ---- */

/* What IOMMU_OPTION reads or writes. */
enum iommufd_option {
	IOMMU_OPTION_RLIMIT_MODE = 0, /* global (object_id 0): 0 per-user, 1 per-process pinning accounting */
	IOMMU_OPTION_HUGE_PAGES = 1,  /* per IOAS: 1 (default) combines pages into large IOMMU pages */
};

/* Direction of IOMMU_OPTION. */
enum iommufd_option_ops {
	IOMMU_OPTION_OP_SET = 0,
	IOMMU_OPTION_OP_GET = 1,
};

/*
 * IOMMU_OPTION: set or get option_id of object_id (0 for global options);
 * the value travels in val64. Required up to val64 (24 bytes).
 */
struct iommu_option {
	__u32 size;
	__u32 option_id;
	__u16 op;
	__u16 __reserved;
	__u32 object_id;
	__aligned_u64 val64;
};
#define IOMMU_OPTION _IO(IOMMUFD_TYPE, IOMMUFD_CMD_OPTION)

/* ---- The VFIO type1 compatibility IOAS ---- */

/* What IOMMU_VFIO_IOAS does. */
enum iommufd_vfio_ioas_op {
	IOMMU_VFIO_IOAS_GET = 0,   /* return the compatibility IOAS in ioas_id */
	IOMMU_VFIO_IOAS_SET = 1,   /* make ioas_id the compatibility IOAS */
	IOMMU_VFIO_IOAS_CLEAR = 2, /* turn the compatibility path off */
};

/*
 * IOMMU_VFIO_IOAS: the single IOAS that the VFIO container interface of this
 * iommufd uses. Required up to __reserved (12 bytes).
 */
struct iommu_vfio_ioas {
	__u32 size;
	__u32 ioas_id;
	__u16 op;
	__u16 __reserved;
};
#define IOMMU_VFIO_IOAS _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VFIO_IOAS)

/* ---- Hardware page tables (HWPT) ---- */

/* Bits of iommu_hwpt_alloc.flags. */
enum iommufd_hwpt_alloc_flags {
	IOMMU_HWPT_ALLOC_NEST_PARENT = 1 << 0,    /* may parent nested HWPTs and vIOMMUs */
	IOMMU_HWPT_ALLOC_DIRTY_TRACKING = 1 << 1, /* the IOMMU must track dirty pages */
	IOMMU_HWPT_FAULT_ID_VALID = 1 << 2,       /* fault_id names a fault queue */
	IOMMU_HWPT_ALLOC_PASID = 1 << 3,          /* may be attached to PASIDs */
};

/* Bits of iommu_hwpt_vtd_s1.flags: Intel VT-d first-stage attributes. */
enum iommu_hwpt_vtd_s1_flags {
	IOMMU_VTD_S1_SRE = 1 << 0,  /* supervisor requests */
	IOMMU_VTD_S1_EAFE = 1 << 1, /* extended access flag */
	IOMMU_VTD_S1_WPE = 1 << 2,  /* write protect */
};

/* Driver data of a nested HWPT for IOMMU_HWPT_DATA_VTD_S1: a guest stage-1 table. */
struct iommu_hwpt_vtd_s1 {
	__aligned_u64 flags;
	__aligned_u64 pgtbl_addr;
	__u32 addr_width;
	__u32 __reserved;
};

/*
 * Driver data for IOMMU_HWPT_DATA_ARM_SMMUV3: the first two 64-bit words
 * of the guest's Stream Table Entry, little-endian. A bad entry is EIO.
 */
struct iommu_hwpt_arm_smmuv3 {
	__aligned_le64 ste[2];
};

/* Driver data for IOMMU_HWPT_DATA_AMD_GUEST: the guest's Device Table Entry. */
struct iommu_hwpt_amd_guest {
	__aligned_u64 dte[4];
};

/* What data_uptr of iommu_hwpt_alloc points at. */
enum iommu_hwpt_data_type {
	IOMMU_HWPT_DATA_NONE = 0,
	IOMMU_HWPT_DATA_VTD_S1 = 1,
	IOMMU_HWPT_DATA_ARM_SMMUV3 = 2,
	IOMMU_HWPT_DATA_AMD_GUEST = 3,
};

/*
 * IOMMU_HWPT_ALLOC: a new hardware page table for the IOMMU behind dev_id.
 * Over an IOAS (pt_id) with data type NONE it is a kernel-managed paging
 * table; over a nesting-parent HWPT or a vIOMMU (pt_id) with a driver data
 * type it is a nested, guest-managed one. data_len bytes of driver data sit
 * at data_uptr. Unknown flags or a non-zero __reserved are EOPNOTSUPP.
 * Required up to __reserved (24 bytes).
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
#define IOMMU_HWPT_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_ALLOC)

/* ---- Hardware information ---- */

/* Bits of iommu_hw_info_vtd.flags. */
enum iommu_hw_info_vtd_flags {
	IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17 = 1 << 0, /* no read-only mappings on a nest parent */
};

/* GET_HW_INFO data of Intel VT-d: its capability registers. */
struct iommu_hw_info_vtd {
	__u32 flags;
	__u32 __reserved;
	__aligned_u64 cap_reg;
	__aligned_u64 ecap_reg;
};

/* Bits of iommu_hw_info_arm_smmuv3.flags (enum name not known to us, see the top). */
enum {
	IOMMU_HW_INFO_ARM_SMMUV3_ERRATA_REPEAT_TLBI_CFGI = 1 << 0,
};

/* GET_HW_INFO data of ARM SMMUv3: its ID registers, IIDR and AIDR. */
struct iommu_hw_info_arm_smmuv3 {
	__u32 flags;
	__u32 __reserved;
	__u32 idr[6];
	__u32 iidr;
	__u32 aidr;
};

/* GET_HW_INFO data of NVIDIA Tegra241 CMDQV: fields of its PARAM register. */
struct iommu_hw_info_tegra241_cmdqv {
	__u32 flags;
	__u8 version;
	__u8 log2vcmdqs;
	__u8 log2vsids;
	__u8 __reserved;
};

/* GET_HW_INFO data of AMD: its extended feature registers EFR and EFR2. */
struct iommu_hw_info_amd {
	__aligned_u64 efr;
	__aligned_u64 efr2;
};

/* Kind of GET_HW_INFO data. DEFAULT as input asks for the IOMMU's own kind. */
enum iommu_hw_info_type {
	IOMMU_HW_INFO_TYPE_NONE = 0,
	IOMMU_HW_INFO_TYPE_DEFAULT = 0,
	IOMMU_HW_INFO_TYPE_INTEL_VTD = 1,
	IOMMU_HW_INFO_TYPE_ARM_SMMUV3 = 2,
	IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV = 3,
	IOMMU_HW_INFO_TYPE_AMD = 4,
};

/* Bits of iommu_hw_info.out_capabilities. */
enum iommufd_hw_capabilities {
	IOMMU_HW_CAP_DIRTY_TRACKING = 1 << 0,        /* SET_DIRTY_TRACKING and GET_DIRTY_BITMAP work */
	IOMMU_HW_CAP_PCI_PASID_EXEC = 1 << 1,        /* PASID execute permission (if out_max_pasid_log2) */
	IOMMU_HW_CAP_PCI_PASID_PRIV = 1 << 2,        /* PASID privileged mode (if out_max_pasid_log2) */
	IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED = 1 << 3, /* the device cannot use ATS */
};

/* Bits of iommu_hw_info.flags. */
enum iommufd_hw_info_flags {
	IOMMU_HW_INFO_FLAG_INPUT_TYPE = 1 << 0, /* in_data_type names the kind wanted */
};

/*
 * IOMMU_GET_HW_INFO: what the IOMMU behind dev_id is. In: a buffer of
 * data_len bytes at data_uptr, and with FLAG_INPUT_TYPE the kind wanted in
 * in_data_type. Out: data_len is the length the kernel has, the buffer holds
 * min of both (zero-filled past the kernel's), out_data_type says which
 * iommu_hw_info_* struct it is. Required up to __reserved (32 bytes).
 */
struct iommu_hw_info {
	__u32 size;
	__u32 flags;
	__u32 dev_id;
	__u32 data_len;
	__aligned_u64 data_uptr;
	union {
		__u32 in_data_type;
		__u32 out_data_type;
	};
	__u8 out_max_pasid_log2;
	__u8 __reserved[3];
	__aligned_u64 out_capabilities;
};
#define IOMMU_GET_HW_INFO _IO(IOMMUFD_TYPE, IOMMUFD_CMD_GET_HW_INFO)

/* ---- Dirty tracking (live migration) ---- */

/* Bits of iommu_hwpt_set_dirty_tracking.flags. */
enum iommufd_hwpt_set_dirty_tracking_flags {
	IOMMU_HWPT_DIRTY_TRACKING_ENABLE = 1,
};

/*
 * IOMMU_HWPT_SET_DIRTY_TRACKING: turn dirty tracking of hwpt_id on (ENABLE)
 * or off. Required up to __reserved (16 bytes).
 */
struct iommu_hwpt_set_dirty_tracking {
	__u32 size;
	__u32 flags;
	__u32 hwpt_id;
	__u32 __reserved;
};
#define IOMMU_HWPT_SET_DIRTY_TRACKING _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_SET_DIRTY_TRACKING)

/* Bits of iommu_hwpt_get_dirty_bitmap.flags. */
enum iommufd_hwpt_get_dirty_bitmap_flags {
	IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR = 1, /* read without clearing the dirty bits */
};

/*
 * IOMMU_HWPT_GET_DIRTY_BITMAP: one bit per page_size bytes of
 * [iova, iova + length) of hwpt_id, set when the page was written, into the
 * 64-bit words at data; the bits are cleared unless NO_CLEAR. Required up to
 * data (48 bytes).
 */
struct iommu_hwpt_get_dirty_bitmap {
	__u32 size;
	__u32 hwpt_id;
	__u32 flags;
	__u32 __reserved;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 page_size;
	__aligned_u64 data;
};
#define IOMMU_HWPT_GET_DIRTY_BITMAP _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_GET_DIRTY_BITMAP)

/* ---- Cache invalidation of nested translation ---- */

/* Kind of the entries of an IOMMU_HWPT_INVALIDATE array. */
enum iommu_hwpt_invalidate_data_type {
	IOMMU_HWPT_INVALIDATE_DATA_VTD_S1 = 0,
	IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3 = 1,
};

/* Bits of iommu_hwpt_vtd_s1_invalidate.flags. */
enum iommu_hwpt_vtd_s1_invalidate_flags {
	IOMMU_VTD_INV_FLAGS_LEAF = 1 << 0, /* only leaf entries changed */
};

/* One VT-d stage-1 invalidation: npages 4 KiB pages from addr (0 and U64_MAX: all). */
struct iommu_hwpt_vtd_s1_invalidate {
	__aligned_u64 addr;
	__aligned_u64 npages;
	__u32 flags;
	__u32 __reserved;
};

/* One ARM SMMUv3 command-queue command (128 bits, little-endian); unsupported ones are EIO. */
struct iommu_viommu_arm_smmuv3_invalidate {
	__aligned_le64 cmd[2];
};

/*
 * IOMMU_HWPT_INVALIDATE: run entry_num invalidation entries of entry_len
 * bytes each, of kind data_type, from the array at data_uptr, against the
 * nested HWPT or vIOMMU hwpt_id. entry_num returns how many were done;
 * entry_num 0 only checks that data_type is supported. Required up to
 * __reserved (32 bytes).
 */
struct iommu_hwpt_invalidate {
	__u32 size;
	__u32 hwpt_id;
	__aligned_u64 data_uptr;
	__u32 data_type;
	__u32 entry_len;
	__u32 entry_num;
	__u32 __reserved;
};
#define IOMMU_HWPT_INVALIDATE _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HWPT_INVALIDATE)

/* ---- I/O page faults ---- */

/* Bits of iommu_hwpt_pgfault.flags. */
enum iommu_hwpt_pgfault_flags {
	IOMMU_PGFAULT_FLAGS_PASID_VALID = (1 << 0),
	IOMMU_PGFAULT_FLAGS_LAST_PAGE = (1 << 1), /* last fault of its group */
};

/* Bits of iommu_hwpt_pgfault.perm: the access the device asked for. */
enum iommu_hwpt_pgfault_perm {
	IOMMU_PGFAULT_PERM_READ = (1 << 0),
	IOMMU_PGFAULT_PERM_WRITE = (1 << 1),
	IOMMU_PGFAULT_PERM_EXEC = (1 << 2),
	IOMMU_PGFAULT_PERM_PRIV = (1 << 3),
};

/* One page fault as read from a fault queue's fd (32 bytes). */
struct iommu_hwpt_pgfault {
	__u32 flags;
	__u32 dev_id;
	__u32 pasid;
	__u32 grpid;
	__u32 perm;
	__u32 __reserved;
	__aligned_u64 addr;
	__u32 length;
	__u32 cookie;
};

/* The answer to a fault group. */
enum iommufd_page_response_code {
	IOMMUFD_PAGE_RESP_SUCCESS = 0, /* handled: retry the access */
	IOMMUFD_PAGE_RESP_INVALID = 1, /* not handled: do not retry */
};

/* A reply written to a fault queue's fd; cookie as the group's last fault gave it. */
struct iommu_hwpt_page_response {
	__u32 cookie;
	__u32 code;
};

/*
 * IOMMU_FAULT_QUEUE_ALLOC: a fault queue object (out_fault_id) and the fd to
 * read faults from and write replies to (out_fault_fd). flags must be 0.
 * Required up to out_fault_fd (16 bytes).
 */
struct iommu_fault_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_fault_id;
	__u32 out_fault_fd;
};
#define IOMMU_FAULT_QUEUE_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_FAULT_QUEUE_ALLOC)

/* ---- Virtual IOMMUs and virtual devices ---- */

/* Kinds of virtual IOMMU; the selftest mock adds IOMMU_VIOMMU_TYPE_SELFTEST. */
enum iommu_viommu_type {
	IOMMU_VIOMMU_TYPE_DEFAULT = 0,
	IOMMU_VIOMMU_TYPE_ARM_SMMUV3 = 1,
	IOMMU_VIOMMU_TYPE_TEGRA241_CMDQV = 2,
#if UAPIKIT_AMD_VIOMMU
	IOMMU_VIOMMU_TYPE_AMD = 3,
#endif
};

/* vIOMMU driver data of Tegra241 CMDQV: where to mmap the VINTF's page 0. */
struct iommu_viommu_tegra241_cmdqv {
	__aligned_u64 out_vintf_mmap_offset;
	__aligned_u64 out_vintf_mmap_length;
};

#if UAPIKIT_VIOMMU_KVM_FD == 1
/* KVM VM fd proposal as posted: BIT() exists only inside the kernel. */
#define IOMMU_VIOMMU_KVM_FD BIT(0)
#elif UAPIKIT_VIOMMU_KVM_FD == 2
/* Corrected: a flags enum that userspace can evaluate. */
enum iommu_viommu_flags {
	IOMMU_VIOMMU_KVM_FD = 1 << 0,
};
#endif

/*
 * IOMMU_VIOMMU_ALLOC: a virtual IOMMU of `type` on the nesting-parent HWPT
 * hwpt_id, backed by the physical IOMMU of dev_id. Driver data of data_len
 * bytes sits at data_uptr. Upstream flags must be 0. Required up to
 * out_viommu_id (24 bytes); later fields are optional.
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
#define IOMMU_VIOMMU_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VIOMMU_ALLOC)

/*
 * IOMMU_VDEVICE_ALLOC: dev_id as seen through viommu_id, known to the guest
 * as virt_id (a vSID, vDeviceID or vRID). Destroy it before the device goes.
 * Required up to virt_id (24 bytes).
 */
struct iommu_vdevice_alloc {
	__u32 size;
	__u32 viommu_id;
	__u32 dev_id;
	__u32 out_vdevice_id;
	__aligned_u64 virt_id;
};
#define IOMMU_VDEVICE_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VDEVICE_ALLOC)

/*
 * IOMMU_IOAS_CHANGE_PROCESS: charge the pinned pages of every IOAS of this
 * iommufd to the calling process (live update). Only maps made with
 * IOAS_MAP_FILE can move; others make it EINVAL and nothing changes.
 * Required up to __reserved (8 bytes).
 */
struct iommu_ioas_change_process {
	__u32 size;
	__u32 __reserved;
};
#define IOMMU_IOAS_CHANGE_PROCESS _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_CHANGE_PROCESS)

/* ---- Virtual event queues ---- */

/* Bits of iommufd_vevent_header.flags. */
enum iommu_veventq_flag {
	IOMMU_VEVENTQ_FLAG_LOST_EVENTS = (1U << 0), /* events were dropped at the queue's tail */
};

/*
 * Header before each event read from a vEVENTQ fd. sequence counts from 0 to
 * INT_MAX and wraps; a gap means events were lost.
 */
struct iommufd_vevent_header {
	__u32 flags;
	__u32 sequence;
};

/* Kinds of vEVENTQ. */
enum iommu_veventq_type {
	IOMMU_VEVENTQ_TYPE_DEFAULT = 0,
	IOMMU_VEVENTQ_TYPE_ARM_SMMUV3 = 1,
	IOMMU_VEVENTQ_TYPE_TEGRA241_CMDQV = 2,
};

/* An ARM SMMUv3 event record (256 bits, little-endian), stream id virtualised. */
struct iommu_vevent_arm_smmuv3 {
	__aligned_le64 evt[4];
};

/* A Tegra241 CMDQV error map (128 bits, little-endian) of one virtual interface. */
struct iommu_vevent_tegra241_cmdqv {
	__aligned_le64 lvcmdq_err_map[2];
};

/*
 * IOMMU_VEVENTQ_ALLOC: a queue of at most veventq_depth events of `type`
 * from viommu_id (one per type), and the fd to read them from
 * (out_veventq_fd, which the caller closes). flags must be 0. Required up to
 * out_veventq_fd (28 bytes).
 */
struct iommu_veventq_alloc {
	__u32 size;
	__u32 flags;
	__u32 viommu_id;
	__u32 type;
	__u32 veventq_depth;
	__u32 out_veventq_id;
	__u32 out_veventq_fd;
	__u32 __reserved;
};
#define IOMMU_VEVENTQ_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_VEVENTQ_ALLOC)

/* ---- Hardware-accelerated queues ---- */

/* Kinds of HW queue. */
enum iommu_hw_queue_type {
	IOMMU_HW_QUEUE_TYPE_DEFAULT = 0,
	IOMMU_HW_QUEUE_TYPE_TEGRA241_CMDQV = 1, /* a virtual command queue (VCMDQ) */
};

/*
 * IOMMU_HW_QUEUE_ALLOC: let the hardware of viommu_id run the guest queue of
 * `length` bytes at guest-physical nesting_parent_iova, as queue `index` of
 * its `type`. flags must be 0. Required up to length (40 bytes).
 */
struct iommu_hw_queue_alloc {
	__u32 size;
	__u32 flags;
	__u32 viommu_id;
	__u32 type;
	__u32 index;
	__u32 out_hw_queue_id;
	__aligned_u64 nesting_parent_iova;
	__aligned_u64 length;
};
#define IOMMU_HW_QUEUE_ALLOC _IO(IOMMUFD_TYPE, IOMMUFD_CMD_HW_QUEUE_ALLOC)

#if UAPIKIT_NOIOMMU_GET_PA
/*
 * IOMMU_IOAS_NOIOMMU_GET_PA: for a device without an IOMMU (VFIO no-IOMMU
 * cdev), the physical address behind `iova` of ioas_id, and in `length` how
 * many bytes from there are contiguous (at most the length given, 0 for no
 * limit).
 *
 * Where this comes from: we found no kernel tree with this command. Its
 * number is 0x95; its field names and order are those of public code
 * written against the mainline header (a translation of the header, and
 * the series' VFIO selftests, which fill size, flags, ioas_id, iova and
 * length and read out_phys and length). The 64-bit fields are declared
 * 8-byte aligned as every iommufd struct does; that, and the command
 * table's last required field (out_phys in abi/surface/commands.json), are
 * our assumptions. Offsets and the 40-byte size hold either way.
 */
struct iommu_ioas_noiommu_get_pa {
	__u32 size;
	__u32 flags;
	__u32 ioas_id;
	__u32 __reserved;
	__aligned_u64 iova;
	__aligned_u64 length;
	__aligned_u64 out_phys;
};
#define IOMMU_IOAS_NOIOMMU_GET_PA _IO(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_NOIOMMU_GET_PA)
#endif

/* ---- Proposals ---- */

#if UAPIKIT_AMD_VIOMMU == 1
/* AMD HW-vIOMMU driver data before its kvmfd patch: 4 bytes of tail padding. */
struct iommu_viommu_amd {
	__aligned_u64 out_vfmmio_mmap_offset;
	__u32 reserved;
};
#elif UAPIKIT_AMD_VIOMMU == 2
/* The kvmfd patch as posted: kvmfd takes the bytes where reserved was. */
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
 * TSM map RFC as posted: plain __u64 is 4-byte aligned on i386, so the
 * struct is 28 bytes there and 32 (with tail padding) on 64-bit targets.
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
