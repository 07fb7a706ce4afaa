// The whole vIOMMU flow of a confidential VM, as a VMM runs it:
//   1. a VM that can have private memory, its guest_memfd and a private memslot
//   2. an iommufd, an IOAS, a device bound to it (and told its VM)
//   3. a nesting-parent HWPT, a vIOMMU with the VM's fd and AMD HW-vIOMMU data
//   4. a vdevice, then TSM map of the private memory for the device's DMA
//   5. teardown, dependants first
// By default it runs on uapikit's fake host; --dev-iommu runs it on the
// machine's /dev/iommu and /dev/kvm (today's kernels lack the proposed parts,
// and the step that needs them fails with the kernel's errno).
#include <uapikit/error_text.hpp>
#include <uapikit/fake/backend.hpp>
#include <uapikit/iommufd.hpp>
#include <uapikit/linux_backend.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace kvm = uapikit::fake::kvm;

namespace {

constexpr uint64_t kPrivateBase = 0x100000, kPrivateSize = 0x400000;

// Where KVM requests go: the fake host, or the kernel through real fds.
struct kvm_calls {
    uapikit::fake::host* fake = nullptr;
    int open_kvm() { return fake ? fake->open_kvm() : ::open("/dev/kvm", O_RDWR | O_CLOEXEC); }
    int call(int fd, unsigned long request, void* arg) {
        if (fake) return fake->ioctl(fd, request, arg);
        int rc = ::ioctl(fd, request, arg);
        return rc < 0 ? -errno : rc;
    }
};

bool step(const char* what, int rc) {
    if (rc < 0) std::printf("  %-44s FAILED: %s\n", what, std::strerror(-rc));
    else std::printf("  %-44s ok\n", what);
    return rc >= 0;
}

template <typename T>
bool step(const char* what, const uapikit::result<T>& r) {
    if (!r) std::printf("  %-44s FAILED: %s\n", what, uapikit::describe(r.error()).c_str());
    else std::printf("  %-44s ok\n", what);
    return static_cast<bool>(r);
}

// Steps 1: the VM and its private memory. Returns the VM fd or -errno.
int make_private_vm(kvm_calls& k) {
    int sys = k.open_kvm();
    if (!step("open /dev/kvm", sys)) return sys;
    int vm = k.call(sys, kvm::create_vm, reinterpret_cast<void*>(kvm::sw_protected_vm));
    if (!step("KVM_CREATE_VM (software-protected)", vm)) return vm;
    kvm::create_guest_memfd_args gmem{};
    gmem.size = kPrivateSize;
    int gmem_fd = k.call(vm, kvm::create_guest_memfd, &gmem);
    if (!step("KVM_CREATE_GUEST_MEMFD", gmem_fd)) return gmem_fd;
    kvm::memory_region2 slot{};
    slot.flags = kvm::mem_guest_memfd;
    slot.guest_phys_addr = kPrivateBase;
    slot.memory_size = kPrivateSize;
    slot.guest_memfd = static_cast<uint32_t>(gmem_fd);
    if (!step("KVM_SET_USER_MEMORY_REGION2 (private)", k.call(vm, kvm::set_user_memory_region2, &slot))) return -EINVAL;
    return vm;
}

// Steps 3 to 5 over any backend.
template <uapikit::backend B>
int run_flow(B& iommufd, uapikit::device_id dev, uapikit::ioas_id ioas, uapikit::vm_fd vm) {
    auto parent = uapikit::alloc_nest_parent_hwpt(iommufd, dev, ioas);
    if (!step("IOMMU_HWPT_ALLOC (nest parent)", parent)) return 1;
    auto viommu = uapikit::alloc_viommu(iommufd, dev, *parent, uapikit::amd_viommu_data{vm}, vm);
    if (!step("IOMMU_VIOMMU_ALLOC (AMD, KVM VM fd)", viommu)) return 1;
    std::printf("    vIOMMU %u, VF-MMIO at mmap offset 0x%llx\n", viommu->id.value(),
                static_cast<unsigned long long>(viommu->data.vfmmio_mmap_offset()));
    auto vdev = uapikit::alloc_vdevice(iommufd, viommu->id, dev, /*virt_id=*/0x10);
    if (!step("IOMMU_VDEVICE_ALLOC (virtual id 0x10)", vdev)) return 1;
    if (!step("IOMMU_VDEVICE_TSM_MAP (private memory)", uapikit::tsm_map(iommufd, *vdev, {kPrivateBase, kPrivateBase + kPrivateSize})))
        return 1;
    bool torn_down = step("IOMMU_DESTROY vdevice", uapikit::destroy(iommufd, *vdev)) &&
                     step("IOMMU_DESTROY vIOMMU", uapikit::destroy(iommufd, viommu->id)) &&
                     step("IOMMU_DESTROY HWPT", uapikit::destroy(iommufd, *parent)) &&
                     step("IOMMU_DESTROY IOAS", uapikit::destroy(iommufd, ioas));
    return torn_down ? 0 : 1;
}

int on_fake() {
    std::printf("vIOMMU flow on uapikit's fake host (AMD IOMMU, software-protected VM)\n");
    uapikit::fake::host host;
    kvm_calls k{&host};
    int vm = make_private_vm(k);
    if (vm < 0) return 1;
    int amd = host.add_iommu(uapikit::fake::iommu_kind::amd);
    uapikit::fake::iommufd_backend iommufd(host);
    auto ioas = uapikit::alloc_ioas(iommufd);
    if (!step("IOMMU_IOAS_ALLOC", ioas)) return 1;
    // A VMM gets the device from VFIO_DEVICE_BIND_IOMMUFD and tells KVM
    // about it with KVM_DEV_VFIO_FILE_ADD; the fake does both here.
    int dev = host.bind_device(iommufd.fd(), amd);
    if (!step("bind device (VFIO cdev)", dev) || !step("device learns its VM", host.set_device_vm(iommufd.fd(), dev, vm)))
        return 1;
    return run_flow(iommufd, uapikit::device_id{static_cast<uint32_t>(dev)}, *ioas, uapikit::vm_fd{vm});
}

int on_kernel() {
    std::printf("vIOMMU flow on this machine's /dev/iommu and /dev/kvm\n");
    auto iommufd = uapikit::linux_backend::open();
    if (!iommufd) {
        std::printf("  /dev/iommu: %s\n  (this kernel has no iommufd, or the module is not loaded)\n",
                    uapikit::describe(iommufd.error()).c_str());
        return 1;
    }
    kvm_calls k;
    int vm = make_private_vm(k);
    if (vm < 0) return 1;
    auto ioas = uapikit::alloc_ioas(*iommufd);
    if (!step("IOMMU_IOAS_ALLOC", ioas)) return 1;
    // Without VFIO plumbing in this example, the device is a selftest mock
    // (kernels built with CONFIG_IOMMUFD_TEST).
    auto mock = uapikit::selftest_mock_device(*iommufd, *ioas);
    if (!step("IOMMU_TEST_CMD mock device", mock)) return 1;
    return run_flow(*iommufd, mock->device, *ioas, uapikit::vm_fd{vm});
}

}  // namespace

int main(int argc, char** argv) {
    bool kernel = argc > 1 && std::strcmp(argv[1], "--dev-iommu") == 0;
    if (argc > 1 && !kernel) {
        std::fprintf(stderr, "usage: %s [--dev-iommu]\n  runs on the fake host unless --dev-iommu is given\n", argv[0]);
        return 2;
    }
    return kernel ? on_kernel() : on_fake();
}
