/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * uapikit's description of the iommufd selftest interface: the mock driver
 * that the kernel's own selftests (tools/testing/selftests/iommu) and
 * uapikit's fake use to create devices without hardware. The kernel keeps
 * it outside include/uapi because only a CONFIG_IOMMUFD_TEST build has it.
 *
 * Numbers and layouts are those of Linux 6.12
 * drivers/iommu/iommufd/iommufd_test.h; the few later additions that the
 * 6.12 selftest as Debian ships it already uses (a PASID-capable mock
 * device, and the vIOMMU, vEVENTQ and HW queue types of the mock) are the
 * values of the same file in mainline. The declarations are uapikit's own.
 */
#ifndef _UAPIKIT_SURFACE_IOMMUFD_TEST_H
#define _UAPIKIT_SURFACE_IOMMUFD_TEST_H

#include <linux/iommufd.h>

/* The selftest command sits 32 slots above the first iommufd command. */
#define IOMMU_TEST_CMD _IO(IOMMUFD_TYPE, IOMMUFD_CMD_BASE + 32)

/* Operations of IOMMU_TEST_CMD, numbered from 1 in this order. */
enum iommu_test_op {
	IOMMU_TEST_OP_ADD_RESERVED = 1,      /* reserve [start, start + length) in IOAS id */
	IOMMU_TEST_OP_MOCK_DOMAIN = 2,       /* new mock device, bound and attached to id */
	IOMMU_TEST_OP_MD_CHECK_MAP = 3,      /* paging HWPT id maps iova..+length to uptr */
	IOMMU_TEST_OP_MD_CHECK_REFS = 4,     /* every page at uptr has `refs` pins */
	IOMMU_TEST_OP_CREATE_ACCESS = 5,     /* an in-kernel access on IOAS id, as a new fd */
	IOMMU_TEST_OP_DESTROY_ACCESS_PAGES = 6, /* drop one pin of access fd id */
	IOMMU_TEST_OP_ACCESS_PAGES = 7,      /* pin iova..+length through access fd id */
	IOMMU_TEST_OP_ACCESS_RW = 8,         /* copy between uptr and iova through access fd id */
	IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT = 9, /* size of the kernel's temporary buffers */
	IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE = 10, /* attach mock device id to pt_id instead */
	IOMMU_TEST_OP_ACCESS_REPLACE_IOAS = 11, /* move access fd id to ioas_id */
	IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS = 12, /* MOCK_DOMAIN with device flags */
	IOMMU_TEST_OP_DIRTY = 13,            /* mark pages of paging HWPT id dirty */
	IOMMU_TEST_OP_MD_CHECK_IOTLB = 14,   /* nested HWPT id has iotlb entry == value */
	IOMMU_TEST_OP_TRIGGER_IOPF = 15,     /* the mock device raises a page fault */
	IOMMU_TEST_OP_DEV_CHECK_CACHE = 16,  /* mainline: mock device cache entry == value */
	IOMMU_TEST_OP_TRIGGER_VEVENT = 17,   /* mainline: the mock vIOMMU reports an event */
};

/* The mock domain's aperture: IOVAs it can translate. */
enum {
	MOCK_APERTURE_START = 1UL << 24,
	MOCK_APERTURE_LAST = (1UL << 31) - 1,
};

/* access_pages.flags. */
enum {
	MOCK_FLAGS_ACCESS_WRITE = 1 << 0,
	MOCK_FLAGS_ACCESS_SYZ = 1 << 16,    /* iova is {nth area, offset}, for syzkaller */
};

/* access_rw.flags. */
enum {
	MOCK_ACCESS_RW_WRITE = 1 << 0,
	MOCK_ACCESS_RW_SLOW_PATH = 1 << 2,  /* take the path of a foreign process */
};

/* create_access.flags. */
enum {
	MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES = 1 << 0,
};

/* mock_domain_flags.dev_flags. */
enum {
	MOCK_FLAGS_DEVICE_NO_DIRTY = 1 << 0,  /* the device's IOMMU cannot track dirty pages */
	MOCK_FLAGS_DEVICE_HUGE_IOVA = 1 << 1, /* its domains also map 512-page blocks */
	MOCK_FLAGS_DEVICE_PASID = 1 << 2,     /* mainline: PASID capable, MOCK_PASID_WIDTH bits */
};

/* A nested mock domain has this many IOTLB entries, ids 0..MAX. */
enum {
	MOCK_NESTED_DOMAIN_IOTLB_ID_MAX = 3,
	MOCK_NESTED_DOMAIN_IOTLB_NUM = 4,
};

/* A mock device has this many cache entries, ids 0..MAX (mainline). */
enum {
	MOCK_DEV_CACHE_ID_MAX = 3,
	MOCK_DEV_CACHE_NUM = 4,
};

/*
 * Argument of IOMMU_TEST_CMD: `id` names the object the operation works
 * on, the per-operation arguments share a 48-byte, 8-byte aligned union at
 * offset 16, and `last` marks the end of the required fields (68).
 */
struct iommu_test_cmd {
	__u32 size;
	__u32 op;
	__u32 id;
	__u32 __reserved;
	union {
		struct {
			__aligned_u64 start;
			__aligned_u64 length;
		} add_reserved;
		struct {
			__u32 out_stdev_id;
			__u32 out_hwpt_id;
			__u32 out_idev_id; /* the device id the other commands take */
		} mock_domain;
		struct {
			__u32 out_stdev_id;
			__u32 out_hwpt_id;
			__u32 out_idev_id;
			__u32 dev_flags;   /* MOCK_FLAGS_DEVICE_* */
		} mock_domain_flags;
		struct {
			__u32 pt_id;       /* in: new IOAS or HWPT; out: the HWPT attached */
		} mock_domain_replace;
		struct {
			__aligned_u64 iova;
			__aligned_u64 length;
			__aligned_u64 uptr;
		} check_map;
		struct {
			__aligned_u64 length;
			__aligned_u64 uptr;
			__u32 refs;
		} check_refs;
		struct {
			__u32 out_access_fd;
			__u32 flags;
		} create_access;
		struct {
			__u32 access_pages_id;
		} destroy_access_pages;
		struct {
			__u32 flags;
			__u32 out_access_pages_id;
			__aligned_u64 iova;
			__aligned_u64 length;
			__aligned_u64 uptr;
		} access_pages;
		struct {
			__aligned_u64 iova;
			__aligned_u64 length;
			__aligned_u64 uptr;
			__u32 flags;
		} access_rw;
		struct {
			__u32 limit;
		} memory_limit;
		struct {
			__u32 ioas_id;
		} access_replace_ioas;
		struct {
			__u32 flags;
			__aligned_u64 iova;
			__aligned_u64 length;
			__aligned_u64 page_size;
			__aligned_u64 uptr;
			__aligned_u64 out_nr_dirty;
		} dirty;
		struct {
			__u32 id;
			__u32 iotlb;
		} check_iotlb;
		struct {
			__u32 dev_id;
			__u32 pasid;
			__u32 grpid;
			__u32 perm;
			__u64 addr;
		} trigger_iopf;
		struct {
			__u32 id;
			__u32 cache;
		} check_dev_cache;
		struct {
			__u32 dev_id;
		} trigger_vevent;
	};
	__u32 last;
};

/* Bits of PASID a PASID-capable mock device reports (mainline). */
#define MOCK_PASID_WIDTH 20

/* IOMMU_GET_HW_INFO of a mock device: its out_data_type and data. */
#define IOMMU_HW_INFO_TYPE_SELFTEST 0xfeedbeef
#define IOMMU_HW_INFO_SELFTEST_REGVAL 0xdeadbeef

struct iommu_test_hw_info {
	__u32 flags;
	__u32 test_reg;    /* IOMMU_HW_INFO_SELFTEST_REGVAL */
};

/* Nested HWPT data of the mock driver: every IOTLB entry starts at iotlb. */
#define IOMMU_HWPT_DATA_SELFTEST 0xdead
#define IOMMU_TEST_IOTLB_DEFAULT 0xbadbeef
#define IOMMU_TEST_DEV_CACHE_DEFAULT 0xbaddad

struct iommu_hwpt_selftest {
	__u32 iotlb;
};

/* HWPT_INVALIDATE entries of the mock driver (8 bytes each). */
#define IOMMU_HWPT_INVALIDATE_DATA_SELFTEST 0xdeadbeef
#define IOMMU_HWPT_INVALIDATE_DATA_SELFTEST_INVALID 0xdadbeef
#define IOMMU_TEST_INVALIDATE_FLAG_ALL (1 << 0) /* every entry; iotlb_id ignored */

struct iommu_hwpt_invalidate_selftest {
	__u32 flags;
	__u32 iotlb_id;    /* 0..MOCK_NESTED_DOMAIN_IOTLB_ID_MAX */
};

/* vIOMMU type served by the mock driver. */
#define IOMMU_VIOMMU_TYPE_SELFTEST 0xdeadbeef

/* Mock vIOMMU driver data: the driver copies in_data into out_data. */
struct iommu_viommu_selftest {
	__u32 in_data;
	__u32 out_data;
	__aligned_u64 out_mmap_offset;
	__aligned_u64 out_mmap_length;
};

/* vIOMMU cache invalidation entries of the mock (mainline, 12 bytes each). */
#define IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST 0xdeadbeef
#define IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST_INVALID 0xdadbeef

struct iommu_viommu_invalidate_selftest {
	__u32 flags;       /* IOMMU_TEST_INVALIDATE_FLAG_ALL: every cache entry */
	__u32 vdev_id;     /* the vdevice's virt_id */
	__u32 cache_id;    /* 0..MOCK_DEV_CACHE_ID_MAX */
};

/* vEVENTQ type of the mock vIOMMU and the event it reports (mainline). */
#define IOMMU_VEVENTQ_TYPE_SELFTEST 0xbeefbeef

struct iommu_viommu_event_selftest {
	__u32 virt_id;     /* the vdevice's virt_id */
};

/* HW queue type of the mock vIOMMU and how many it has (mainline). */
#define IOMMU_HW_QUEUE_TYPE_SELFTEST 0xdeadbeef
#define IOMMU_TEST_HW_QUEUE_MAX 2

#endif /* _UAPIKIT_SURFACE_IOMMUFD_TEST_H */
