/* QEMU's order of calls when it passes a VFIO device through with
 * -object iommufd (QEMU 9.x/10.0 hw/vfio/iommufd.c, backends/iommufd.c,
 * hw/vfio/common.c, accel/kvm/kvm-all.c):
 *
 *   KVM:      KVM_GET_API_VERSION, KVM_CHECK_EXTENSION, KVM_CREATE_VM,
 *             memslots for guest RAM (KVM_SET_USER_MEMORY_REGION2)
 *   connect:  open the cdev, open /dev/iommu, KVM_CREATE_DEVICE(VFIO) and
 *             KVM_DEV_VFIO_FILE_ADD, VFIO_DEVICE_BIND_IOMMUFD
 *   attach:   IOMMU_IOAS_ALLOC, IOMMU_GET_HW_INFO (for its capabilities),
 *             IOMMU_HWPT_ALLOC with DIRTY_TRACKING when offered,
 *             VFIO_DEVICE_ATTACH_IOMMUFD_PT, IOMMU_IOAS_IOVA_RANGES twice
 *   memory:   IOMMU_IOAS_MAP of each RAM section at IOVA = GPA
 *   device:   VFIO_DEVICE_GET_INFO, GET_REGION_INFO, GET_IRQ_INFO, RESET
 *   migrate:  IOMMU_HWPT_SET_DIRTY_TRACKING, IOMMU_HWPT_GET_DIRTY_BITMAP
 *   teardown: IOMMU_IOAS_UNMAP, DETACH, IOMMU_DESTROY of HWPT and IOAS,
 *             KVM_DEV_VFIO_FILE_DEL, close
 *
 * With negative steps a VMM meets: a RAM section over the IOMMU's MSI
 * window, binding twice, an unmap that cuts a section, a dirty bitmap
 * request that is not page aligned. Device vfio0 is the first device of
 * the fake's default topology (an ARM SMMUv3 with its MSI window at
 * 0x8000000). */
#include "vmm.h"

#define RAM_SIZE (2u << 20)
#define HIGH_GPA (1ull << 32)

int main(void) {
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    require(kvm >= 0, "open /dev/kvm");
    int vm = kvm_vm(kvm, 0);
    step(ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY2) > 0, "KVM_CHECK_EXTENSION(KVM_CAP_USER_MEMORY2) on the VM");
    void* low = guest_ram(RAM_SIZE);
    void* high = guest_ram(RAM_SIZE);
    require(kvm_memslot(vm, 0, 0, low, RAM_SIZE, 0, 0, 0) == 0, "memslot 0: low RAM at GPA 0");
    require(kvm_memslot(vm, 1, HIGH_GPA, high, RAM_SIZE, 0, 0, 0) == 0, "memslot 1: high RAM at 4 GiB");

    /* connect and bind */
    int device = open("/dev/vfio/devices/vfio0", O_RDWR | O_CLOEXEC);
    require(device >= 0, "open /dev/vfio/devices/vfio0");
    int iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
    require(iommufd >= 0, "open /dev/iommu");
    int kvm_dev = kvm_vfio_device(vm);
    require(kvm_vfio_file(kvm_dev, device, KVM_DEV_VFIO_FILE_ADD) == 0, "KVM_DEV_VFIO_FILE_ADD of the device");
    int64_t devid = vfio_bind(device, iommufd);
    require(devid > 0, "VFIO_DEVICE_BIND_IOMMUFD gives a device id");
    rejected((int)vfio_bind(device, iommufd), EINVAL, "a second VFIO_DEVICE_BIND_IOMMUFD");

    /* attach: an IOAS and a HWPT of our own, with dirty tracking if offered */
    uint32_t ioas = ioas_alloc(iommufd);
    struct iommu_hw_info info = {.size = sizeof info, .dev_id = (uint32_t)devid};
    require(ioctl(iommufd, IOMMU_GET_HW_INFO, &info) == 0, "IOMMU_GET_HW_INFO (no data buffer)");
    step(info.out_data_type == IOMMU_HW_INFO_TYPE_ARM_SMMUV3, "the device's IOMMU reports itself as an ARM SMMUv3");
    const int dirty = (info.out_capabilities & IOMMU_HW_CAP_DIRTY_TRACKING) != 0;
    step(dirty, "the IOMMU offers dirty tracking");
    struct iommu_hwpt_alloc hwpt = {
        .size = sizeof hwpt,
        .flags = dirty ? IOMMU_HWPT_ALLOC_DIRTY_TRACKING : 0,
        .dev_id = (uint32_t)devid,
        .pt_id = ioas,
    };
    require(ioctl(iommufd, IOMMU_HWPT_ALLOC, &hwpt) == 0, "IOMMU_HWPT_ALLOC over the IOAS");
    uint32_t pt = hwpt.out_hwpt_id;
    require(vfio_attach(device, &pt) == 0 && pt == hwpt.out_hwpt_id, "VFIO_DEVICE_ATTACH_IOMMUFD_PT to that HWPT");

    struct iommu_iova_range ranges[8];
    int n = iova_ranges(iommufd, ioas, ranges, 8);
    step(n == 2 && ranges[0].start == 0 && ranges[0].last == 0x7ffffff && ranges[1].start == 0x8100000,
         "IOMMU_IOAS_IOVA_RANGES: all but the SMMU's MSI window [0x8000000, 0x80fffff]");

    /* memory */
    require(ioas_map_fixed(iommufd, ioas, low, RAM_SIZE, 0) == 0, "IOMMU_IOAS_MAP of low RAM at IOVA 0");
    require(ioas_map_fixed(iommufd, ioas, high, RAM_SIZE, HIGH_GPA) == 0, "IOMMU_IOAS_MAP of high RAM at 4 GiB");
    void* hole = guest_ram(RAM_SIZE);
    rejected(ioas_map_fixed(iommufd, ioas, hole, RAM_SIZE, 0x8000000), EINVAL,
             "IOMMU_IOAS_MAP of a RAM section over the MSI window");
    rejected(ioas_unmap(iommufd, ioas, 0x8000000, RAM_SIZE, NULL), ENOENT, "... and nothing was mapped there");
    rejected(ioas_map_fixed(iommufd, ioas, hole, RAM_SIZE, 0), EEXIST, "IOMMU_IOAS_MAP over low RAM again");

    /* device */
    struct vfio_device_info dinfo = {.argsz = sizeof dinfo};
    require(ioctl(device, VFIO_DEVICE_GET_INFO, &dinfo) == 0, "VFIO_DEVICE_GET_INFO");
    step((dinfo.flags & VFIO_DEVICE_FLAGS_PCI) && dinfo.num_regions == VFIO_PCI_NUM_REGIONS &&
             dinfo.num_irqs == VFIO_PCI_NUM_IRQS,
         "a PCI device with VFIO_PCI_NUM_REGIONS regions and VFIO_PCI_NUM_IRQS interrupt indexes");
    struct vfio_region_info config = {.argsz = sizeof config, .index = VFIO_PCI_CONFIG_REGION_INDEX};
    step(ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &config) == 0 && config.size >= 256,
         "VFIO_DEVICE_GET_REGION_INFO of the config space");
    struct vfio_irq_info msix = {.argsz = sizeof msix, .index = VFIO_PCI_MSIX_IRQ_INDEX};
    step(ioctl(device, VFIO_DEVICE_GET_IRQ_INFO, &msix) == 0 && msix.count > 0, "VFIO_DEVICE_GET_IRQ_INFO of MSI-X");
    step(ioctl(device, VFIO_DEVICE_RESET) == 0, "VFIO_DEVICE_RESET");

    /* migration: dirty tracking on, one bitmap read, off */
    if (dirty) {
        struct iommu_hwpt_set_dirty_tracking on = {
            .size = sizeof on, .flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE, .hwpt_id = pt};
        require(ioctl(iommufd, IOMMU_HWPT_SET_DIRTY_TRACKING, &on) == 0, "IOMMU_HWPT_SET_DIRTY_TRACKING on");
        uint64_t bitmap[RAM_SIZE / 4096 / 64] = {0};
        struct iommu_hwpt_get_dirty_bitmap get = {
            .size = sizeof get, .hwpt_id = pt, .iova = 0, .length = RAM_SIZE, .page_size = 4096,
            .data = (uintptr_t)bitmap};
        step(ioctl(iommufd, IOMMU_HWPT_GET_DIRTY_BITMAP, &get) == 0, "IOMMU_HWPT_GET_DIRTY_BITMAP of low RAM");
        get.iova = 512;
        rejected(ioctl(iommufd, IOMMU_HWPT_GET_DIRTY_BITMAP, &get), EINVAL, "a bitmap from an IOVA not page aligned");
        struct iommu_hwpt_set_dirty_tracking off = {.size = sizeof off, .hwpt_id = pt};
        step(ioctl(iommufd, IOMMU_HWPT_SET_DIRTY_TRACKING, &off) == 0, "IOMMU_HWPT_SET_DIRTY_TRACKING off");
    }

    /* teardown, as the memory listener and vfio detach do it */
    rejected(ioas_unmap(iommufd, ioas, 0, RAM_SIZE / 2, NULL), ENOENT, "IOMMU_IOAS_UNMAP of half a RAM section");
    uint64_t unmapped = 0;
    step(ioas_unmap(iommufd, ioas, 0, RAM_SIZE, &unmapped) == 0 && unmapped == RAM_SIZE,
         "IOMMU_IOAS_UNMAP of low RAM (the half-unmap above left it whole)");
    step(ioas_unmap(iommufd, ioas, HIGH_GPA, RAM_SIZE, &unmapped) == 0 && unmapped == RAM_SIZE,
         "IOMMU_IOAS_UNMAP of high RAM");
    rejected(destroy(iommufd, pt), EBUSY, "IOMMU_DESTROY of the HWPT while the device uses it");
    step(vfio_detach(device) == 0, "VFIO_DEVICE_DETACH_IOMMUFD_PT");
    step(destroy(iommufd, pt) == 0, "IOMMU_DESTROY of the HWPT");
    step(destroy(iommufd, ioas) == 0, "IOMMU_DESTROY of the IOAS");
    step(kvm_vfio_file(kvm_dev, device, KVM_DEV_VFIO_FILE_DEL) == 0, "KVM_DEV_VFIO_FILE_DEL of the device");
    step(close(device) == 0, "close of the device (unbinds it)");
    rejected(destroy(iommufd, (uint32_t)devid), ENOENT, "its device id is gone with it");
    step(close(kvm_dev) == 0 && close(iommufd) == 0 && close(vm) == 0 && close(kvm) == 0, "close of the rest");
    return finish("QEMU VFIO passthrough with iommufd");
}
