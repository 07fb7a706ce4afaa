// The VFIO uapi pieces the fake answers (Linux 6.12 linux/vfio.h): the
// device cdev ioctls of a VMM (bind to an iommufd, attach to an IOAS or
// HWPT, device info) and the type1 compatibility ioctls iommufd answers on
// /dev/iommu. Declared here because Debian 12's linux-libc-dev (6.1)
// predates VFIO cdevs; conformance/fake/kvm_abi_scan_check.cpp checks every
// number and layout against a scan of the real 6.12 header.
#pragma once

#include <stdint.h>

namespace uapikit::fake::vfio {

// _IO(VFIO_TYPE, VFIO_BASE + n): VFIO_TYPE is ';', VFIO_BASE 100.
inline constexpr unsigned long get_api_version = 0x3b64;     // VFIO_GET_API_VERSION
inline constexpr unsigned long check_extension = 0x3b65;     // VFIO_CHECK_EXTENSION
inline constexpr unsigned long set_iommu = 0x3b66;           // VFIO_SET_IOMMU
inline constexpr unsigned long device_get_info = 0x3b6b;     // VFIO_DEVICE_GET_INFO
inline constexpr unsigned long device_get_region_info = 0x3b6c;  // VFIO_DEVICE_GET_REGION_INFO
inline constexpr unsigned long device_get_irq_info = 0x3b6d;     // VFIO_DEVICE_GET_IRQ_INFO
inline constexpr unsigned long device_reset = 0x3b6f;        // VFIO_DEVICE_RESET
inline constexpr unsigned long iommu_get_info = 0x3b70;      // VFIO_IOMMU_GET_INFO
inline constexpr unsigned long iommu_map_dma = 0x3b71;       // VFIO_IOMMU_MAP_DMA
inline constexpr unsigned long iommu_unmap_dma = 0x3b72;     // VFIO_IOMMU_UNMAP_DMA
inline constexpr unsigned long iommu_dirty_pages = 0x3b75;   // VFIO_IOMMU_DIRTY_PAGES
inline constexpr unsigned long device_feature = 0x3b75;      // VFIO_DEVICE_FEATURE (on a device fd)
inline constexpr unsigned long device_bind_iommufd = 0x3b76;     // VFIO_DEVICE_BIND_IOMMUFD
inline constexpr unsigned long device_attach_iommufd_pt = 0x3b77; // VFIO_DEVICE_ATTACH_IOMMUFD_PT
inline constexpr unsigned long device_detach_iommufd_pt = 0x3b78; // VFIO_DEVICE_DETACH_IOMMUFD_PT

inline constexpr int api_version = 0;  // VFIO_API_VERSION

// VFIO_CHECK_EXTENSION / VFIO_SET_IOMMU arguments.
inline constexpr unsigned long type1_iommu = 1;          // VFIO_TYPE1_IOMMU
inline constexpr unsigned long type1v2_iommu = 3;        // VFIO_TYPE1v2_IOMMU
inline constexpr unsigned long dma_cc_iommu = 4;         // VFIO_DMA_CC_IOMMU
inline constexpr unsigned long type1_nesting_iommu = 6;  // VFIO_TYPE1_NESTING_IOMMU
inline constexpr unsigned long noiommu_iommu = 8;        // VFIO_NOIOMMU_IOMMU
inline constexpr unsigned long unmap_all = 9;            // VFIO_UNMAP_ALL
inline constexpr unsigned long update_vaddr = 10;        // VFIO_UPDATE_VADDR

inline constexpr uint32_t dma_map_flag_read = 1u << 0;     // VFIO_DMA_MAP_FLAG_READ
inline constexpr uint32_t dma_map_flag_write = 1u << 1;    // VFIO_DMA_MAP_FLAG_WRITE
inline constexpr uint32_t dma_unmap_flag_all = 1u << 1;    // VFIO_DMA_UNMAP_FLAG_ALL
inline constexpr uint32_t iommu_info_pgsizes = 1u << 0;    // VFIO_IOMMU_INFO_PGSIZES
inline constexpr uint32_t iommu_info_caps = 1u << 1;       // VFIO_IOMMU_INFO_CAPS
inline constexpr uint16_t cap_iova_range = 1;              // VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE
inline constexpr uint16_t cap_dma_avail = 3;               // VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL
inline constexpr uint32_t device_flags_reset = 1u << 0;    // VFIO_DEVICE_FLAGS_RESET
inline constexpr uint32_t device_flags_pci = 1u << 1;      // VFIO_DEVICE_FLAGS_PCI
inline constexpr uint32_t pci_num_regions = 9;             // VFIO_PCI_NUM_REGIONS: BAR0-5, ROM, config, VGA
inline constexpr uint32_t pci_num_irqs = 5;                // VFIO_PCI_NUM_IRQS: INTx, MSI, MSI-X, ERR, REQ
inline constexpr uint32_t pci_config_region_index = 7;     // VFIO_PCI_CONFIG_REGION_INDEX
inline constexpr uint32_t region_info_flag_read = 1u << 0; // VFIO_REGION_INFO_FLAG_READ
inline constexpr uint32_t region_info_flag_write = 1u << 1;
inline constexpr uint32_t irq_info_eventfd = 1u << 0;      // VFIO_IRQ_INFO_EVENTFD
inline constexpr uint32_t device_feature_mask = 0xffff;    // VFIO_DEVICE_FEATURE_MASK: the feature's number
inline constexpr uint32_t device_feature_get = 1u << 16;   // VFIO_DEVICE_FEATURE_GET
inline constexpr uint32_t device_feature_set = 1u << 17;   // VFIO_DEVICE_FEATURE_SET
inline constexpr uint32_t device_feature_probe = 1u << 18; // VFIO_DEVICE_FEATURE_PROBE

struct iommu_type1_dma_map {  // struct vfio_iommu_type1_dma_map
    uint32_t argsz;
    uint32_t flags;
    uint64_t vaddr;
    uint64_t iova;
    uint64_t size;
};

struct device_feature_header {  // struct vfio_device_feature (without data[])
    uint32_t argsz;
    uint32_t flags;
};

struct iommu_type1_dma_unmap {  // struct vfio_iommu_type1_dma_unmap (without data[])
    uint32_t argsz;
    uint32_t flags;
    uint64_t iova;
    uint64_t size;
};

struct iommu_type1_info {  // struct vfio_iommu_type1_info
    uint32_t argsz;
    uint32_t flags;
    alignas(8) uint64_t iova_pgsizes;
    uint32_t cap_offset;
    uint32_t pad;
};

struct info_cap_header {  // struct vfio_info_cap_header
    uint16_t id;
    uint16_t version;
    uint32_t next;
};

struct iova_range {  // struct vfio_iova_range
    uint64_t start;
    uint64_t end;
};

struct cap_iova_range_head {  // struct vfio_iommu_type1_info_cap_iova_range, before iova_ranges[]
    info_cap_header header;
    uint32_t nr_iovas;
    uint32_t reserved;
};

struct dma_avail_cap {  // struct vfio_iommu_type1_info_dma_avail
    info_cap_header header;
    uint32_t avail;
};

struct device_info {  // struct vfio_device_info
    uint32_t argsz;
    uint32_t flags;
    uint32_t num_regions;
    uint32_t num_irqs;
    uint32_t cap_offset;
    uint32_t pad;
};

struct region_info {  // struct vfio_region_info
    uint32_t argsz;
    uint32_t flags;
    uint32_t index;
    uint32_t cap_offset;
    alignas(8) uint64_t size;
    alignas(8) uint64_t offset;
};

struct irq_info {  // struct vfio_irq_info
    uint32_t argsz;
    uint32_t flags;
    uint32_t index;
    uint32_t count;
};

struct bind_iommufd_args {  // struct vfio_device_bind_iommufd
    uint32_t argsz;
    uint32_t flags;
    int32_t iommufd;
    uint32_t out_devid;
};

struct attach_iommufd_pt_args {  // struct vfio_device_attach_iommufd_pt
    uint32_t argsz;
    uint32_t flags;
    uint32_t pt_id;
};

struct detach_iommufd_pt_args {  // struct vfio_device_detach_iommufd_pt
    uint32_t argsz;
    uint32_t flags;
};

static_assert(sizeof(iommu_type1_dma_map) == 32 && sizeof(iommu_type1_dma_unmap) == 24 &&
                  sizeof(iommu_type1_info) == 24 && sizeof(device_info) == 24 && sizeof(region_info) == 32 &&
                  sizeof(bind_iommufd_args) == 16 && sizeof(attach_iommufd_pt_args) == 12,
              "vfio structs: Linux 6.12 sizes");

}  // namespace uapikit::fake::vfio
