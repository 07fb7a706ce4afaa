/* The machine the preload's fake host pretends to be, seen as a VMM sees
 * it: which /dev/vfio/devices/vfioN exist, the kind of IOMMU each device
 * sits behind (IOMMU_GET_HW_INFO), and which devices share one IOMMU
 * instance. The last is what attaching a device to a HWPT another device
 * allocated tells:
 *   - a domain of another driver: EINVAL (Linux 6.12 drivers/iommu/iommu.c,
 *     __iommu_attach_group(): dev_iommu_ops(dev) != domain->owner);
 *   - an ARM SMMUv3 domain of another SMMU: EINVAL (6.12
 *     drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c, arm_smmu_attach_dev():
 *     smmu_domain->smmu != smmu);
 *   - a domain of the same instance: attached.
 * (AMD and Intel VT-d domains may span instances of their driver, so pairs
 * of those behind different instances are not asked.)
 *
 * Usage: preload_topology [KIND/INSTANCE...]
 * One word per device, vfio0 first: KIND is arm-smmuv3, amd or intel-vtd;
 * devices with the same INSTANCE word sit behind one IOMMU. The device after
 * the last must not exist. Run under LD_PRELOAD=libuapikit-preload.so with
 * or without UAPIKIT_FAKE_TOPOLOGY. */
#include "vmm.h"

#define MAX_DEVICES 16

struct expected {
    uint32_t hw_info_type;
    const char* kind;
    const char* instance;
};

static uint32_t hw_info_type(const char* kind) {
    if (strcmp(kind, "arm-smmuv3") == 0) return IOMMU_HW_INFO_TYPE_ARM_SMMUV3;
    if (strcmp(kind, "amd") == 0) return IOMMU_HW_INFO_TYPE_AMD;
    if (strcmp(kind, "intel-vtd") == 0) return IOMMU_HW_INFO_TYPE_INTEL_VTD;
    fprintf(stderr, "preload_topology: unknown kind '%s'\n", kind);
    exit(2);
}

int main(int argc, char** argv) {
    struct expected want[MAX_DEVICES];
    int n = argc - 1;
    if (n > MAX_DEVICES) return 2;
    for (int i = 0; i < n; i++) {
        char* slash = strchr(argv[i + 1], '/');
        if (!slash) return 2;
        *slash = '\0';
        want[i] = (struct expected){hw_info_type(argv[i + 1]), argv[i + 1], slash + 1};
    }

    int iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
    require(iommufd >= 0, "open /dev/iommu");
    uint32_t ioas = ioas_alloc(iommufd);
    int fds[MAX_DEVICES];
    uint32_t hwpts[MAX_DEVICES];
    char what[160];
    for (int i = 0; i < n; i++) {
        snprintf(what, sizeof what, "open /dev/vfio/devices/vfio%d", i);
        fds[i] = open(what + 5, O_RDWR | O_CLOEXEC);
        require(fds[i] >= 0, what);
        int64_t devid = vfio_bind(fds[i], iommufd);
        require(devid > 0, "VFIO_DEVICE_BIND_IOMMUFD");
        struct iommu_hw_info info = {.size = sizeof info, .dev_id = (uint32_t)devid};
        require(ioctl(iommufd, IOMMU_GET_HW_INFO, &info) == 0, "IOMMU_GET_HW_INFO");
        snprintf(what, sizeof what, "vfio%d is behind %s (hw_info type %u, want %u)", i, want[i].kind,
                 info.out_data_type, want[i].hw_info_type);
        step(info.out_data_type == want[i].hw_info_type, what);
        struct iommu_hwpt_alloc hwpt = {.size = sizeof hwpt, .dev_id = (uint32_t)devid, .pt_id = ioas};
        require(ioctl(iommufd, IOMMU_HWPT_ALLOC, &hwpt) == 0, "IOMMU_HWPT_ALLOC over the IOAS");
        hwpts[i] = hwpt.out_hwpt_id;
    }
    snprintf(what, sizeof what, "/dev/vfio/devices/vfio%d", n);
    int extra = open(what, O_RDWR | O_CLOEXEC);
    snprintf(what, sizeof what, "open /dev/vfio/devices/vfio%d: there are %d devices", n, n);
    rejected(extra, ENOENT, what);

    for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
            if (i == j) continue;
            const int same_kind = want[i].hw_info_type == want[j].hw_info_type;
            const int same_instance = same_kind && strcmp(want[i].instance, want[j].instance) == 0;
            if (same_kind && !same_instance && want[i].hw_info_type != IOMMU_HW_INFO_TYPE_ARM_SMMUV3) continue;
            uint32_t pt = hwpts[i];
            int rc = vfio_attach(fds[j], &pt);
            snprintf(what, sizeof what, "vfio%d attaches to vfio%d's HWPT (%s %s, %s %s)", j, i, want[j].kind,
                     want[j].instance, want[i].kind, want[i].instance);
            if (same_instance) {
                step(rc == 0 && pt == hwpts[i], what);
                step(vfio_detach(fds[j]) == 0, "VFIO_DEVICE_DETACH_IOMMUFD_PT");
            } else {
                rejected(rc, EINVAL, what);
            }
        }
    }
    for (int i = 0; i < n; i++) step(destroy(iommufd, hwpts[i]) == 0, "IOMMU_DESTROY of the HWPT");
    return finish("preload_topology");
}
