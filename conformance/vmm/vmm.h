/* What the VMM call-sequence programs share: reporting each step, and the
 * few wrappers every VMM has around its own ioctls. The programs are plain
 * C on the kernel's uapi headers (Linux 6.12 linux/vfio.h and linux/kvm.h;
 * iommufd from uapikit's description of the upstream header and the
 * proposals, abi/surface/linux/iommufd.h). They know nothing of the fake:
 * under LD_PRELOAD=libuapikit-preload.so the fake answers them, as it would
 * answer the VMM whose order of calls each one follows.
 *
 * A step prints "ok" or "FAIL" with what it checked. A negative step
 * expects -1 and one errno, and then a check that the state is as before
 * (the call that would show a change answers as before it). */
#ifndef UAPIKIT_VMM_H
#define UAPIKIT_VMM_H

#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/kvm.h>
#include <linux/vfio.h>

static int vmm_failures;

/* Reports one step; returns ok. */
static inline int step(int ok, const char* what) {
    printf("%s: %s\n", ok ? "ok  " : "FAIL", what);
    if (!ok) vmm_failures++;
    return ok;
}

/* A step whose failure makes the rest of the sequence meaningless. */
static inline void require(int ok, const char* what) {
    if (!step(ok, what)) {
        printf("stopping: a later step needs this one\n");
        exit(1);
    }
}

/* A call that must fail with `expected`; errno is read right after it. */
static inline int rejected(int rc, int expected, const char* what) {
    int e = errno;
    char line[256];
    snprintf(line, sizeof line, "%s -> %d, %s (want -1, %s)", what, rc, rc < 0 ? strerror(e) : "no error",
             strerror(expected));
    return step(rc == -1 && e == expected, line);
}

static inline int finish(const char* vmm) {
    printf("%s: %d failed step(s)\n", vmm, vmm_failures);
    return vmm_failures ? 1 : 0;
}

/* ---- iommufd, as a VMM's iommufd backend wraps it ---------------------------- */

static inline uint32_t ioas_alloc(int iommufd) {
    struct iommu_ioas_alloc cmd = {.size = sizeof cmd};
    require(ioctl(iommufd, IOMMU_IOAS_ALLOC, &cmd) == 0, "IOMMU_IOAS_ALLOC");
    return cmd.out_ioas_id;
}

/* IOMMU_IOAS_MAP of guest RAM at IOVA = GPA, as VMMs map their RAM sections. */
static inline int ioas_map_fixed(int iommufd, uint32_t ioas, void* va, uint64_t size, uint64_t iova) {
    struct iommu_ioas_map cmd = {
        .size = sizeof cmd,
        .flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE,
        .ioas_id = ioas,
        .user_va = (uintptr_t)va,
        .length = size,
        .iova = iova,
    };
    return ioctl(iommufd, IOMMU_IOAS_MAP, &cmd);
}

/* IOMMU_IOAS_UNMAP; *unmapped gets the bytes the kernel unmapped. */
static inline int ioas_unmap(int iommufd, uint32_t ioas, uint64_t iova, uint64_t size, uint64_t* unmapped) {
    struct iommu_ioas_unmap cmd = {.size = sizeof cmd, .ioas_id = ioas, .iova = iova, .length = size};
    int rc = ioctl(iommufd, IOMMU_IOAS_UNMAP, &cmd);
    if (unmapped) *unmapped = cmd.length;
    return rc;
}

static inline int destroy(int iommufd, uint32_t id) {
    struct iommu_destroy cmd = {.size = sizeof cmd, .id = id};
    return ioctl(iommufd, IOMMU_DESTROY, &cmd);
}

/* The usable IOVA ranges, asked as QEMU asks: first with no room, to learn
 * how many (EMSGSIZE), then with an array of that size. Returns the count
 * (at most max) or -1. */
static inline int iova_ranges(int iommufd, uint32_t ioas, struct iommu_iova_range* out, uint32_t max) {
    struct iommu_ioas_iova_ranges cmd = {.size = sizeof cmd, .ioas_id = ioas};
    if (ioctl(iommufd, IOMMU_IOAS_IOVA_RANGES, &cmd) == 0) return 0;
    if (errno != EMSGSIZE || cmd.num_iovas > max) return -1;
    cmd.allowed_iovas = (uintptr_t)out;
    if (ioctl(iommufd, IOMMU_IOAS_IOVA_RANGES, &cmd) != 0) return -1;
    return (int)cmd.num_iovas;
}

/* ---- VFIO cdev ----------------------------------------------------------------- */

/* VFIO_DEVICE_BIND_IOMMUFD; returns the device's id in iommufd or -1. */
static inline int64_t vfio_bind(int device, int iommufd) {
    struct vfio_device_bind_iommufd bind = {.argsz = sizeof bind, .iommufd = iommufd};
    if (ioctl(device, VFIO_DEVICE_BIND_IOMMUFD, &bind) != 0) return -1;
    return bind.out_devid;
}

/* VFIO_DEVICE_ATTACH_IOMMUFD_PT; *pt_id becomes the HWPT the device uses. */
static inline int vfio_attach(int device, uint32_t* pt_id) {
    struct vfio_device_attach_iommufd_pt attach = {.argsz = sizeof attach, .pt_id = *pt_id};
    int rc = ioctl(device, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach);
    if (rc == 0) *pt_id = attach.pt_id;
    return rc;
}

static inline int vfio_detach(int device) {
    struct vfio_device_detach_iommufd_pt detach = {.argsz = sizeof detach};
    return ioctl(device, VFIO_DEVICE_DETACH_IOMMUFD_PT, &detach);
}

/* ---- KVM ---------------------------------------------------------------------------- */

/* A VM of `type` after the version and capability checks a VMM makes. */
static inline int kvm_vm(int kvm, unsigned long type) {
    require(ioctl(kvm, KVM_GET_API_VERSION, 0) == KVM_API_VERSION, "KVM_GET_API_VERSION is KVM_API_VERSION (12)");
    step(ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY) > 0, "KVM_CHECK_EXTENSION(KVM_CAP_USER_MEMORY)");
    step(ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_DEVICE_CTRL) > 0, "KVM_CHECK_EXTENSION(KVM_CAP_DEVICE_CTRL)");
    int vm = ioctl(kvm, KVM_CREATE_VM, type);
    require(vm >= 0, "KVM_CREATE_VM");
    return vm;
}

/* The VM's KVM-VFIO device, and a VFIO device file added to it: how KVM
 * learns which devices the guest has, before the device is bound. */
static inline int kvm_vfio_device(int vm) {
    struct kvm_create_device cd = {.type = KVM_DEV_TYPE_VFIO};
    require(ioctl(vm, KVM_CREATE_DEVICE, &cd) == 0, "KVM_CREATE_DEVICE(KVM_DEV_TYPE_VFIO)");
    return (int)cd.fd;
}

static inline int kvm_vfio_file(int kvm_dev, int vfio_fd, uint64_t which) {
    int32_t fd = vfio_fd;
    struct kvm_device_attr attr = {.group = KVM_DEV_VFIO_FILE, .attr = which, .addr = (uintptr_t)&fd};
    return ioctl(kvm_dev, KVM_SET_DEVICE_ATTR, &attr);
}

/* Guest RAM: anonymous shared memory of `size` bytes. */
static inline void* guest_ram(uint64_t size) {
    void* p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    require(p != MAP_FAILED, "mmap of guest RAM");
    return p;
}

static inline int kvm_memslot(int vm, uint32_t slot, uint64_t gpa, void* va, uint64_t size, uint32_t flags, int gmem,
                       uint64_t gmem_offset) {
    struct kvm_userspace_memory_region2 r = {
        .slot = slot,
        .flags = flags,
        .guest_phys_addr = gpa,
        .memory_size = size,
        .userspace_addr = (uintptr_t)va,
        .guest_memfd_offset = gmem_offset,
        .guest_memfd = (uint32_t)gmem,
    };
    return ioctl(vm, KVM_SET_USER_MEMORY_REGION2, &r);
}

#endif
