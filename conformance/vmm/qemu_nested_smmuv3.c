/* QEMU's order of calls for a VFIO device behind an accelerated (nested)
 * virtual SMMUv3 (QEMU 10.x hw/arm/smmuv3-accel.c over hw/vfio/iommufd.c
 * and backends/iommufd.c): the host SMMUv3 translates the guest's stage 1
 * on top of a stage 2 that iommufd holds for the VMM.
 *
 *   bind:      the cdev, KVM_DEV_VFIO_FILE_ADD, VFIO_DEVICE_BIND_IOMMUFD,
 *              IOMMU_GET_HW_INFO with the SMMUv3 registers
 *   stage 2:   IOMMU_IOAS_ALLOC, IOMMU_HWPT_ALLOC(NEST_PARENT), attach,
 *              IOMMU_IOAS_MAP of guest RAM
 *   vSMMU:     IOMMU_VIOMMU_ALLOC(ARM_SMMUV3), abort and bypass nested
 *              HWPTs (vSTEs without a stage 1), the device on bypass,
 *              IOMMU_VEVENTQ_ALLOC, IOMMU_VDEVICE_ALLOC with the vSID
 *   guest STE: IOMMU_HWPT_ALLOC of the guest's stage-1 vSTE on the vIOMMU,
 *              VFIO_DEVICE_ATTACH_IOMMUFD_PT (a replace); when the guest
 *              changes the STE, the same for the new vSTE, then
 *              IOMMU_DESTROY of the HWPT it replaced
 *   guest CMDQ: IOMMU_HWPT_INVALIDATE on the vIOMMU (CFGI_CD, TLBI_NH_*)
 *   teardown:  back to the stage 2, IOMMU_DESTROY in reverse order
 *
 * Negative steps: a vSTE asking for stage-2 config, CMD_SYNC (which the
 * host issues itself), a CFGI_CD of a vSID without a vDEVICE, a second
 * vDEVICE for one vSID, destroying the stage-1 HWPT the device is attached
 * to, destroying the stage 2 under the vIOMMU. */
#include "vmm.h"

#define RAM_SIZE (2u << 20)
#define VSID 0x8 /* the guest's stream ID of the device: BDF 00:01.0 */

/* SMMUv3 STE word 0: V (bit 0) and Config (bits 3:1). */
#define STE_V 1ull
#define STE_CFG(c) ((uint64_t)(c) << 1)
#define STE_CFG_ABORT 0
#define STE_CFG_BYPASS 4
#define STE_CFG_S1_TRANS 5
#define STE_CFG_S2_TRANS 6
/* Command queue opcodes (SMMUv3 architecture, 4.1); a vSID sits in bits 63:32. */
#define CMDQ_OP_CFGI_CD 0x05
#define CMDQ_OP_TLBI_NH_ASID 0x11
#define CMDQ_OP_TLBI_NH_VA 0x12
#define CMDQ_OP_CMD_SYNC 0x46

static uint32_t nested_hwpt(int iommufd, uint32_t devid, uint32_t viommu, uint64_t ste0, int* rc) {
    struct iommu_hwpt_arm_smmuv3 ste = {.ste = {ste0, 0}};
    struct iommu_hwpt_alloc cmd = {
        .size = sizeof cmd,
        .dev_id = devid,
        .pt_id = viommu,
        .data_type = IOMMU_HWPT_DATA_ARM_SMMUV3,
        .data_len = sizeof ste,
        .data_uptr = (uintptr_t)&ste,
    };
    *rc = ioctl(iommufd, IOMMU_HWPT_ALLOC, &cmd);
    return cmd.out_hwpt_id;
}

static int invalidate(int iommufd, uint32_t viommu, const struct iommu_viommu_arm_smmuv3_invalidate* cmds,
                      uint32_t n, uint32_t* done) {
    struct iommu_hwpt_invalidate cmd = {
        .size = sizeof cmd,
        .hwpt_id = viommu,
        .data_uptr = (uintptr_t)cmds,
        .data_type = IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3,
        .entry_len = sizeof cmds[0],
        .entry_num = n,
    };
    int rc = ioctl(iommufd, IOMMU_HWPT_INVALIDATE, &cmd);
    *done = cmd.entry_num;
    return rc;
}

int main(void) {
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    require(kvm >= 0, "open /dev/kvm");
    int vm = kvm_vm(kvm, 0);
    void* ram = guest_ram(RAM_SIZE);
    require(kvm_memslot(vm, 0, 0x40000000, ram, RAM_SIZE, 0, 0, 0) == 0, "memslot 0: RAM at 1 GiB (arm64 virt)");

    int device = open("/dev/vfio/devices/vfio0", O_RDWR | O_CLOEXEC);
    require(device >= 0, "open /dev/vfio/devices/vfio0");
    int iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
    require(iommufd >= 0, "open /dev/iommu");
    int kvm_dev = kvm_vfio_device(vm);
    require(kvm_vfio_file(kvm_dev, device, KVM_DEV_VFIO_FILE_ADD) == 0, "KVM_DEV_VFIO_FILE_ADD of the device");
    int64_t bound = vfio_bind(device, iommufd);
    require(bound > 0, "VFIO_DEVICE_BIND_IOMMUFD");
    uint32_t devid = (uint32_t)bound;

    struct iommu_hw_info_arm_smmuv3 regs = {0};
    struct iommu_hw_info info = {
        .size = sizeof info, .dev_id = devid, .data_len = sizeof regs, .data_uptr = (uintptr_t)&regs};
    require(ioctl(iommufd, IOMMU_GET_HW_INFO, &info) == 0, "IOMMU_GET_HW_INFO with room for the SMMUv3 registers");
    step(info.out_data_type == IOMMU_HW_INFO_TYPE_ARM_SMMUV3 && info.data_len == sizeof regs,
         "IOMMU_HW_INFO_TYPE_ARM_SMMUV3, the whole struct filled");
    step(regs.idr[0] != 0, "IDR0 says what the host SMMU can do");

    /* stage 2 */
    uint32_t ioas = ioas_alloc(iommufd);
    struct iommu_hwpt_alloc s2 = {
        .size = sizeof s2, .flags = IOMMU_HWPT_ALLOC_NEST_PARENT, .dev_id = devid, .pt_id = ioas};
    require(ioctl(iommufd, IOMMU_HWPT_ALLOC, &s2) == 0, "IOMMU_HWPT_ALLOC of the stage 2 (NEST_PARENT)");
    uint32_t pt = s2.out_hwpt_id;
    require(vfio_attach(device, &pt) == 0, "VFIO_DEVICE_ATTACH_IOMMUFD_PT to the stage 2");
    require(ioas_map_fixed(iommufd, ioas, ram, RAM_SIZE, 0x40000000) == 0, "IOMMU_IOAS_MAP of guest RAM at its IPA");

    /* the vSMMU */
    struct iommu_viommu_alloc valloc = {
        .size = sizeof valloc, .type = IOMMU_VIOMMU_TYPE_ARM_SMMUV3, .dev_id = devid, .hwpt_id = s2.out_hwpt_id};
    require(ioctl(iommufd, IOMMU_VIOMMU_ALLOC, &valloc) == 0, "IOMMU_VIOMMU_ALLOC(ARM_SMMUV3) over the stage 2");
    uint32_t viommu = valloc.out_viommu_id;
    int rc = 0;
    uint32_t abort_hwpt = nested_hwpt(iommufd, devid, viommu, STE_V | STE_CFG(STE_CFG_ABORT), &rc);
    step(rc == 0, "IOMMU_HWPT_ALLOC of an abort vSTE on the vIOMMU");
    uint32_t bypass_hwpt = nested_hwpt(iommufd, devid, viommu, STE_V | STE_CFG(STE_CFG_BYPASS), &rc);
    require(rc == 0, "IOMMU_HWPT_ALLOC of a bypass vSTE on the vIOMMU");
    pt = bypass_hwpt;
    require(vfio_attach(device, &pt) == 0, "the device on the bypass vSTE (the guest has not enabled its SMMU)");
    nested_hwpt(iommufd, devid, viommu, STE_V | STE_CFG(STE_CFG_S2_TRANS), &rc);
    rejected(rc, EIO, "IOMMU_HWPT_ALLOC of a vSTE asking for stage-2 config");

    struct iommu_veventq_alloc eq = {
        .size = sizeof eq, .viommu_id = viommu, .type = IOMMU_VEVENTQ_TYPE_ARM_SMMUV3, .veventq_depth = 128};
    require(ioctl(iommufd, IOMMU_VEVENTQ_ALLOC, &eq) == 0, "IOMMU_VEVENTQ_ALLOC(ARM_SMMUV3)");
    struct iommu_vdevice_alloc vdev = {.size = sizeof vdev, .viommu_id = viommu, .dev_id = devid, .virt_id = VSID};
    require(ioctl(iommufd, IOMMU_VDEVICE_ALLOC, &vdev) == 0, "IOMMU_VDEVICE_ALLOC with the device's vSID");
    struct iommu_vdevice_alloc again = vdev;
    rejected(ioctl(iommufd, IOMMU_VDEVICE_ALLOC, &again), EEXIST, "a second vDEVICE for the device");

    /* the guest installs a stage-1 STE */
    uint32_t s1_hwpt = nested_hwpt(iommufd, devid, viommu, STE_V | STE_CFG(STE_CFG_S1_TRANS) | 0x80000000ull, &rc);
    require(rc == 0, "IOMMU_HWPT_ALLOC of the guest's stage-1 vSTE");
    pt = s1_hwpt;
    require(vfio_attach(device, &pt) == 0 && pt == s1_hwpt, "VFIO_DEVICE_ATTACH_IOMMUFD_PT replaces bypass with it");

    /* the guest's command queue */
    struct iommu_viommu_arm_smmuv3_invalidate cmds[3] = {
        {.cmd = {CMDQ_OP_CFGI_CD | ((uint64_t)VSID << 32), 0}},
        {.cmd = {CMDQ_OP_TLBI_NH_ASID | (1ull << 48), 0}},
        {.cmd = {CMDQ_OP_TLBI_NH_VA | (1ull << 48), 0x1000}},
    };
    uint32_t done = 0;
    step(invalidate(iommufd, viommu, cmds, 3, &done) == 0 && done == 3, "IOMMU_HWPT_INVALIDATE of CFGI_CD, TLBI_NH_ASID, TLBI_NH_VA");
    struct iommu_viommu_arm_smmuv3_invalidate sync = {.cmd = {CMDQ_OP_CMD_SYNC, 0}};
    rejected(invalidate(iommufd, viommu, &sync, 1, &done), EIO, "CMD_SYNC from the guest");
    step(done == 0, "... with no command done");
    cmds[1].cmd[0] = CMDQ_OP_CFGI_CD | ((uint64_t)(VSID + 1) << 32);
    rejected(invalidate(iommufd, viommu, cmds, 3, &done), EIO, "a CFGI_CD of a vSID without a vDEVICE");
    step(done == 1, "... after the one command before it");

    /* the guest points the STE at another CD table: a new nested HWPT,
     * attached in place of the old one, which then goes */
    rejected(destroy(iommufd, s1_hwpt), EBUSY, "IOMMU_DESTROY of the stage-1 HWPT the device is attached to");
    uint32_t s1_next = nested_hwpt(iommufd, devid, viommu, STE_V | STE_CFG(STE_CFG_S1_TRANS) | 0x80001000ull, &rc);
    require(rc == 0, "IOMMU_HWPT_ALLOC of the guest's changed stage-1 vSTE");
    pt = s1_next;
    require(vfio_attach(device, &pt) == 0 && pt == s1_next, "VFIO_DEVICE_ATTACH_IOMMUFD_PT replaces the old stage 1 with it");
    step(destroy(iommufd, s1_hwpt) == 0, "IOMMU_DESTROY of the old stage-1 HWPT");
    s1_hwpt = s1_next;

    uint8_t events[64];
    step(read((int)eq.out_veventq_fd, events, sizeof events) == 0, "the vEVENTQ has nothing to read");
    rejected(destroy(iommufd, s2.out_hwpt_id), EBUSY, "IOMMU_DESTROY of the stage 2 under the vIOMMU");

    /* teardown */
    pt = s2.out_hwpt_id;
    step(vfio_attach(device, &pt) == 0, "the device back on the stage 2");
    step(destroy(iommufd, s1_hwpt) == 0 && destroy(iommufd, bypass_hwpt) == 0 && destroy(iommufd, abort_hwpt) == 0,
         "IOMMU_DESTROY of the nested HWPTs");
    step(destroy(iommufd, vdev.out_vdevice_id) == 0, "IOMMU_DESTROY of the vDEVICE");
    rejected(destroy(iommufd, viommu), EBUSY, "IOMMU_DESTROY of the vIOMMU while its vEVENTQ is open");
    step(close((int)eq.out_veventq_fd) == 0 && destroy(iommufd, eq.out_veventq_id) == 0, "close and destroy the vEVENTQ");
    step(destroy(iommufd, viommu) == 0, "IOMMU_DESTROY of the vIOMMU");
    uint64_t unmapped = 0;
    step(ioas_unmap(iommufd, ioas, 0x40000000, RAM_SIZE, &unmapped) == 0 && unmapped == RAM_SIZE, "IOMMU_IOAS_UNMAP");
    step(vfio_detach(device) == 0 && destroy(iommufd, s2.out_hwpt_id) == 0 && destroy(iommufd, ioas) == 0,
         "detach, destroy the stage 2 and the IOAS");
    step(close(device) == 0 && close(kvm_dev) == 0 && close(iommufd) == 0 && close(vm) == 0 && close(kvm) == 0,
         "close everything");
    return finish("QEMU nested SMMUv3");
}
