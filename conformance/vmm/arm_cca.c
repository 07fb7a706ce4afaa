/* A confidential guest's device assignment in the order of the Arm CCA
 * proposals: "[PATCH v2 1/3] iommufd/viommu: Allow associating a KVM VM fd
 * with a vIOMMU" (Aneesh Kumar K.V (Arm), 2026-03-09) and "[RFC PATCH v1
 * 10/38] iommufd/vdevice: Add TSM map ioctl" (Aneesh Kumar K.V (Arm),
 * 2025-07-28), as uapikit's "proposed" ABI corrects them.
 *
 *   VM:       a VM with private memory, a guest_memfd, private memslots
 *             bound to it and a shared one
 *   device:   KVM_DEV_VFIO_FILE_ADD, VFIO_DEVICE_BIND_IOMMUFD, an IOAS with
 *             the shared memory, a stage-2 HWPT (NEST_PARENT), attach
 *   vIOMMU:   IOMMU_VIOMMU_ALLOC with IOMMU_VIOMMU_KVM_FD and the VM's fd,
 *             IOMMU_VDEVICE_ALLOC
 *   private:  IOMMU_VDEVICE_TSM_MAP of the guest's private memory, before
 *             the device may DMA to it
 *
 * The fake's KVM answers as x86 KVM does, so the realm is played by the
 * VM type with private memory the fake has, KVM_X86_SW_PROTECTED_VM; the
 * iommufd side is the same on either.
 *
 * Negative steps: a vIOMMU naming another VM than the device's, a TSM map
 * of shared memory, of a range not page aligned, of a range running past
 * the private slots, and a private memslot changed in place. */
#include "vmm.h"

#ifndef KVM_X86_SW_PROTECTED_VM
#define KVM_X86_SW_PROTECTED_VM 1 /* asm/kvm.h of x86; the fake's KVM knows it on any host */
#endif

#define PRIVATE_GPA (1ull << 30)
#define PRIVATE_SIZE (2u << 20)
#define SHARED_GPA (2ull << 30)
#define SHARED_SIZE (2u << 20)

static int tsm_map(int iommufd, uint32_t vdevice, uint64_t start, uint64_t end) {
    struct iommu_vdevice_tsm_map cmd = {.size = sizeof cmd, .start_gpa = start, .end_gpa = end, .vdevice_id = vdevice};
    return ioctl(iommufd, IOMMU_VDEVICE_TSM_MAP, &cmd);
}

int main(void) {
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    require(kvm >= 0, "open /dev/kvm");
    step(ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_VM_TYPES) & (1 << KVM_X86_SW_PROTECTED_VM),
         "KVM_CAP_VM_TYPES offers a VM type with private memory");
    int vm = kvm_vm(kvm, KVM_X86_SW_PROTECTED_VM);
    int other_vm = ioctl(kvm, KVM_CREATE_VM, KVM_X86_SW_PROTECTED_VM);
    require(other_vm >= 0, "a second confidential VM on the host");
    step(ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_GUEST_MEMFD) == 1, "KVM_CAP_GUEST_MEMFD on the VM");

    struct kvm_create_guest_memfd gmem_args = {.size = PRIVATE_SIZE};
    int gmem = ioctl(vm, KVM_CREATE_GUEST_MEMFD, &gmem_args);
    require(gmem >= 0, "KVM_CREATE_GUEST_MEMFD");
    /* Private memory in two slots of 1 MiB each, from the two halves of the guest_memfd. */
    void* shadow = guest_ram(PRIVATE_SIZE);  /* the shared view of the private range */
    void* shared = guest_ram(SHARED_SIZE);
    require(kvm_memslot(vm, 0, PRIVATE_GPA, shadow, PRIVATE_SIZE / 2, KVM_MEM_GUEST_MEMFD, gmem, 0) == 0,
            "private memslot 0");
    require(kvm_memslot(vm, 1, PRIVATE_GPA + PRIVATE_SIZE / 2, (char*)shadow + PRIVATE_SIZE / 2, PRIVATE_SIZE / 2,
                        KVM_MEM_GUEST_MEMFD, gmem, PRIVATE_SIZE / 2) == 0,
            "private memslot 1, right after it");
    require(kvm_memslot(vm, 2, SHARED_GPA, shared, SHARED_SIZE, 0, 0, 0) == 0, "shared memslot 2");
    rejected(kvm_memslot(vm, 0, PRIVATE_GPA + (64u << 20), shadow, PRIVATE_SIZE / 2, KVM_MEM_GUEST_MEMFD, gmem, 0),
             EINVAL, "moving a private memslot");

    /* the device */
    int device = open("/dev/vfio/devices/vfio0", O_RDWR | O_CLOEXEC);
    require(device >= 0, "open /dev/vfio/devices/vfio0");
    int kvm_dev = kvm_vfio_device(vm);
    require(kvm_vfio_file(kvm_dev, device, KVM_DEV_VFIO_FILE_ADD) == 0, "KVM_DEV_VFIO_FILE_ADD: the device is the VM's");
    int iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
    require(iommufd >= 0, "open /dev/iommu");
    int64_t bound = vfio_bind(device, iommufd);
    require(bound > 0, "VFIO_DEVICE_BIND_IOMMUFD");
    uint32_t devid = (uint32_t)bound;
    uint32_t ioas = ioas_alloc(iommufd);
    require(ioas_map_fixed(iommufd, ioas, shared, SHARED_SIZE, SHARED_GPA) == 0, "IOMMU_IOAS_MAP of shared memory");
    struct iommu_hwpt_alloc s2 = {
        .size = sizeof s2, .flags = IOMMU_HWPT_ALLOC_NEST_PARENT, .dev_id = devid, .pt_id = ioas};
    require(ioctl(iommufd, IOMMU_HWPT_ALLOC, &s2) == 0, "IOMMU_HWPT_ALLOC of the stage 2");
    uint32_t pt = s2.out_hwpt_id;
    require(vfio_attach(device, &pt) == 0, "VFIO_DEVICE_ATTACH_IOMMUFD_PT");

    /* the vIOMMU, tied to the VM */
    struct iommu_viommu_alloc wrong = {
        .size = sizeof wrong,
        .flags = IOMMU_VIOMMU_KVM_FD,
        .type = IOMMU_VIOMMU_TYPE_ARM_SMMUV3,
        .dev_id = devid,
        .hwpt_id = s2.out_hwpt_id,
        .kvm_vm_fd = other_vm,
    };
    rejected(ioctl(iommufd, IOMMU_VIOMMU_ALLOC, &wrong), EINVAL, "IOMMU_VIOMMU_ALLOC naming another VM than the device's");
    struct iommu_viommu_alloc valloc = wrong;
    valloc.kvm_vm_fd = vm;
    require(ioctl(iommufd, IOMMU_VIOMMU_ALLOC, &valloc) == 0, "IOMMU_VIOMMU_ALLOC with IOMMU_VIOMMU_KVM_FD of the VM");
    struct iommu_vdevice_alloc vdev = {
        .size = sizeof vdev, .viommu_id = valloc.out_viommu_id, .dev_id = devid, .virt_id = 0x10};
    require(ioctl(iommufd, IOMMU_VDEVICE_ALLOC, &vdev) == 0, "IOMMU_VDEVICE_ALLOC");

    /* private memory for the device */
    rejected(tsm_map(iommufd, vdev.out_vdevice_id, SHARED_GPA, SHARED_GPA + SHARED_SIZE), EINVAL,
             "IOMMU_VDEVICE_TSM_MAP of shared memory");
    rejected(tsm_map(iommufd, vdev.out_vdevice_id, PRIVATE_GPA + 512, PRIVATE_GPA + PRIVATE_SIZE), EINVAL,
             "IOMMU_VDEVICE_TSM_MAP from an address not page aligned");
    rejected(tsm_map(iommufd, vdev.out_vdevice_id, PRIVATE_GPA, PRIVATE_GPA + 2 * PRIVATE_SIZE), EINVAL,
             "IOMMU_VDEVICE_TSM_MAP past the private slots");
    step(tsm_map(iommufd, vdev.out_vdevice_id, PRIVATE_GPA, PRIVATE_GPA + PRIVATE_SIZE) == 0,
         "IOMMU_VDEVICE_TSM_MAP of all private memory, over both slots");

    /* The VM may go before the vIOMMU: the vIOMMU holds it. */
    step(close(kvm_dev) == 0 && close(vm) == 0, "close the VM's fds while the vIOMMU holds the VM");
    step(tsm_map(iommufd, vdev.out_vdevice_id, PRIVATE_GPA, PRIVATE_GPA + PRIVATE_SIZE / 2) == 0,
         "IOMMU_VDEVICE_TSM_MAP still sees the VM's memslots");

    step(destroy(iommufd, vdev.out_vdevice_id) == 0 && destroy(iommufd, valloc.out_viommu_id) == 0,
         "IOMMU_DESTROY of the vDEVICE and the vIOMMU");
    step(vfio_detach(device) == 0 && close(device) == 0, "detach and close the device");
    step(destroy(iommufd, s2.out_hwpt_id) == 0 && destroy(iommufd, ioas) == 0, "IOMMU_DESTROY of stage 2 and IOAS");
    step(close(iommufd) == 0 && close(gmem) == 0 && close(other_vm) == 0 && close(kvm) == 0, "close the rest");
    return finish("Arm CCA device assignment (proposals)");
}
