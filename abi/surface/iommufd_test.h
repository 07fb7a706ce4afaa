/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * uapikit's description of the iommufd selftest interface: the mock driver
 * that kernel selftests (and uapikit's fake) use to create devices without
 * hardware. The kernel keeps it outside include/uapi because only a test
 * build enables it; the layouts below are those of ../shared/uapi-facts.md
 * section 5, in uapikit's own declarations. Only the parts the vIOMMU flow
 * needs are described.
 */
#ifndef _UAPIKIT_SURFACE_IOMMUFD_TEST_H
#define _UAPIKIT_SURFACE_IOMMUFD_TEST_H

#include <linux/iommufd.h>

/* The selftest command sits 32 slots above the first iommufd command. */
#define IOMMU_TEST_CMD _IO(IOMMUFD_TYPE, IOMMUFD_CMD_BASE + 32)

/* Operations of IOMMU_TEST_CMD (only the one the flow uses). */
enum iommu_test_op {
	IOMMU_TEST_OP_MOCK_DOMAIN = 2,
};

/*
 * Argument of IOMMU_TEST_CMD. The per-operation arguments share a 48-byte,
 * 8-byte aligned union at offset 16; `last` marks the end of the required
 * fields (68). MOCK_DOMAIN attaches a new mock device to the IOAS or HWPT
 * in `id` and returns its ids.
 */
struct iommu_test_cmd {
	__u32 size;
	__u32 op;
	__u32 id;
	__u32 __reserved;
	union {
		struct {
			__u32 out_stdev_id;
			__u32 out_hwpt_id;
			__u32 out_idev_id;
		} mock_domain;
		/* Sizes the union as the kernel's larger members do. */
		__aligned_u64 __union_storage[6];
	};
	__u32 last;
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

#endif /* _UAPIKIT_SURFACE_IOMMUFD_TEST_H */
