/* Cloud Hypervisor's order of calls for VFIO devices on iommufd (its
 * device manager over the vfio-ioctls and kvm-ioctls crates): one IOAS per
 * VM that every passed-through device attaches to, the KVM-VFIO device
 * told of each device file, guest memory mapped at IOVA = GPA with
 * KVM_SET_USER_MEMORY_REGION (the first version), memory hot-plug, and
 * device hot-unplug and re-plug.
 *
 * Devices: vfio0 and vfio1 behind one ARM SMMUv3 and vfio2 behind an AMD
 * IOMMU (the fake's default topology). Devices of one IOMMU instance share
 * the automatic domain; the AMD device gets its own.
 *
 * Negative steps: a device id given as the page table, binding a device
 * that is already bound through another fd, unmapping memory twice, a
 * memslot over another. */
#include "vmm.h"

#define RAM_SIZE (4u << 20)
#define HOTPLUG_GPA (1ull << 32)

static int memslot_v1(int vm, uint32_t slot, uint64_t gpa, void* va, uint64_t size) {
    struct kvm_userspace_memory_region r = {
        .slot = slot, .guest_phys_addr = gpa, .memory_size = size, .userspace_addr = (uintptr_t)va};
    return ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r);
}

/* Opens vfioN, tells KVM, binds it and attaches it to the IOAS; returns
 * the fd, *devid and *hwpt filled. */
static int add_device(int n, int iommufd, int kvm_dev, uint32_t ioas, uint32_t* devid, uint32_t* hwpt) {
    char path[64];
    snprintf(path, sizeof path, "/dev/vfio/devices/vfio%d", n);
    int fd = open(path, O_RDWR | O_CLOEXEC);
    require(fd >= 0, path);
    require(kvm_vfio_file(kvm_dev, fd, KVM_DEV_VFIO_FILE_ADD) == 0, "KVM_DEV_VFIO_FILE_ADD");
    int64_t id = vfio_bind(fd, iommufd);
    require(id > 0, "VFIO_DEVICE_BIND_IOMMUFD");
    *devid = (uint32_t)id;
    *hwpt = ioas;
    require(vfio_attach(fd, hwpt) == 0, "VFIO_DEVICE_ATTACH_IOMMUFD_PT to the VM's IOAS");
    struct vfio_device_info info = {.argsz = sizeof info};
    step(ioctl(fd, VFIO_DEVICE_GET_INFO, &info) == 0 && (info.flags & VFIO_DEVICE_FLAGS_RESET), "VFIO_DEVICE_GET_INFO");
    for (uint32_t i = 0; i < info.num_regions && i < VFIO_PCI_NUM_REGIONS; ++i) {
        struct vfio_region_info region = {.argsz = sizeof region, .index = i};
        if (ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, &region) != 0) step(0, "VFIO_DEVICE_GET_REGION_INFO");
    }
    step(ioctl(fd, VFIO_DEVICE_RESET) == 0, "VFIO_DEVICE_RESET");
    return fd;
}

static void remove_device(int fd, int kvm_dev) {
    step(vfio_detach(fd) == 0, "VFIO_DEVICE_DETACH_IOMMUFD_PT");
    step(kvm_vfio_file(kvm_dev, fd, KVM_DEV_VFIO_FILE_DEL) == 0, "KVM_DEV_VFIO_FILE_DEL");
    step(close(fd) == 0, "close of the device");
}

int main(void) {
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    require(kvm >= 0, "open /dev/kvm");
    int vm = kvm_vm(kvm, 0);
    void* ram = guest_ram(RAM_SIZE);
    require(memslot_v1(vm, 0, 0, ram, RAM_SIZE) == 0, "KVM_SET_USER_MEMORY_REGION: RAM at GPA 0");
    rejected(memslot_v1(vm, 1, RAM_SIZE / 2, ram, RAM_SIZE), EEXIST, "a memslot over the RAM's slot");
    int kvm_dev = kvm_vfio_device(vm);

    int iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
    require(iommufd >= 0, "open /dev/iommu");
    uint32_t ioas = ioas_alloc(iommufd);

    /* the first device, then guest memory, then the others */
    uint32_t dev0, hwpt0, dev1, hwpt1, dev2, hwpt2;
    int fd0 = add_device(0, iommufd, kvm_dev, ioas, &dev0, &hwpt0);
    require(ioas_map_fixed(iommufd, ioas, ram, RAM_SIZE, 0) == 0, "IOMMU_IOAS_MAP of guest RAM at IOVA 0");
    int fd1 = add_device(1, iommufd, kvm_dev, ioas, &dev1, &hwpt1);
    step(hwpt1 == hwpt0, "vfio1, behind the same SMMU, shares vfio0's automatic domain");
    int fd2 = add_device(2, iommufd, kvm_dev, ioas, &dev2, &hwpt2);
    step(hwpt2 != hwpt0, "vfio2, behind the AMD IOMMU, gets a domain of its own");

    uint32_t not_a_table = dev0;
    rejected(vfio_attach(fd1, &not_a_table), EINVAL, "VFIO_DEVICE_ATTACH_IOMMUFD_PT to a device id");
    int second = open("/dev/vfio/devices/vfio0", O_RDWR | O_CLOEXEC);
    require(second >= 0, "a second open of vfio0");
    rejected((int)vfio_bind(second, iommufd), EINVAL, "binding vfio0 again through it");
    step(close(second) == 0, "close of the second fd");

    /* memory hot-plug and unplug */
    void* more = guest_ram(RAM_SIZE);
    require(memslot_v1(vm, 1, HOTPLUG_GPA, more, RAM_SIZE) == 0, "KVM_SET_USER_MEMORY_REGION of hot-plugged RAM");
    require(ioas_map_fixed(iommufd, ioas, more, RAM_SIZE, HOTPLUG_GPA) == 0, "IOMMU_IOAS_MAP of it");
    uint64_t unmapped = 0;
    step(ioas_unmap(iommufd, ioas, HOTPLUG_GPA, RAM_SIZE, &unmapped) == 0 && unmapped == RAM_SIZE,
         "IOMMU_IOAS_UNMAP when it is unplugged");
    rejected(ioas_unmap(iommufd, ioas, HOTPLUG_GPA, RAM_SIZE, NULL), ENOENT, "unmapping it a second time");
    step(memslot_v1(vm, 1, HOTPLUG_GPA, more, 0) == 0, "its memslot deleted");

    /* device hot-unplug and re-plug */
    remove_device(fd1, kvm_dev);
    rejected(destroy(iommufd, dev1), ENOENT, "vfio1's device id is gone");
    fd1 = add_device(1, iommufd, kvm_dev, ioas, &dev1, &hwpt1);
    step(hwpt1 == hwpt0, "re-plugged vfio1 joins the shared domain again");

    /* shutdown */
    remove_device(fd2, kvm_dev);
    remove_device(fd1, kvm_dev);
    remove_device(fd0, kvm_dev);
    step(ioas_unmap(iommufd, ioas, 0, RAM_SIZE, &unmapped) == 0 && unmapped == RAM_SIZE, "IOMMU_IOAS_UNMAP of RAM");
    step(destroy(iommufd, ioas) == 0, "IOMMU_DESTROY of the IOAS (the automatic domains went with their devices)");
    step(close(iommufd) == 0 && close(kvm_dev) == 0 && close(vm) == 0 && close(kvm) == 0, "close everything");
    return finish("Cloud Hypervisor VFIO with iommufd");
}
