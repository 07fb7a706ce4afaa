// The whole vIOMMU flow of a confidential VM, as a VMM runs it with the
// proposed interfaces (the KVM VM fd on the vIOMMU, AMD HW-vIOMMU driver
// data, TSM map):
//   1. a VM that can have private memory, its guest_memfd and a private memslot
//   2. an iommufd, an IOAS, a VFIO device added to the VM's KVM-VFIO device
//      and bound to the iommufd
//   3. a nesting-parent HWPT, a vIOMMU with the VM's fd and AMD HW-vIOMMU data
//   4. a vdevice, then TSM map of the private memory for the device's DMA
//   5. teardown, dependants first (owned handles, in reverse order)
// By default it runs on uapikit's fake host; --dev-iommu runs it on the
// machine's /dev/iommu and /dev/kvm with a selftest mock device (today's
// kernels lack the proposed parts, and the step that needs them fails with
// the kernel's errno).
#include "vmm_flows.hpp"

#include <uapikit/fake/host.hpp>
#include <uapikit/linux_backend.hpp>

#include <cstdio>
#include <cstring>

namespace {

namespace kvm_abi = uapikit::raw::linux_6_12_vfio_kvm;

constexpr std::uint64_t kPrivateBase = 0x100000, kPrivateSize = 0x400000;

// Step 1: a VM that can have private memory (x86's software-protected
// type), with a guest_memfd-backed memslot. Returns the VM file.
template <typename System>
uapikit::result<uapikit::file<System>> make_private_vm(System& sys, vmm::steps& step) {
    using file = uapikit::file<System>;
    auto kvm = file::open(sys, "/dev/kvm");
    if (!step("open /dev/kvm", kvm)) return uapikit::failure{kvm.error()};
    auto vm = uapikit::kvm_create_vm(*kvm, kvm_abi::KVM_X86_SW_PROTECTED_VM);
    if (!step("KVM_CREATE_VM (software-protected)", vm)) return uapikit::failure{vm.error()};
    file vm_file = file::adopt(sys, *vm);
    auto gmem = uapikit::kvm_create_guest_memfd(vm_file, kPrivateSize, 0);
    if (!step("KVM_CREATE_GUEST_MEMFD", gmem)) return uapikit::failure{gmem.error()};
    auto slot = uapikit::kvm_set_user_memory_region2(vm_file, 0, kvm_abi::KVM_MEM_GUEST_MEMFD, kPrivateBase, kPrivateSize, nullptr, 0,
                                                     *gmem);
    if (!step("KVM_SET_USER_MEMORY_REGION2 (private)", slot)) return uapikit::failure{slot.error()};
    return vm_file;
}

// Steps 3 to 5 over any backend.
template <uapikit::backend B>
int run_flow(B& iommufd, uapikit::device_id dev, uapikit::ioas_id ioas, uapikit::vm_fd vm, vmm::steps& step) {
    auto parent = uapikit::own(iommufd, uapikit::alloc_nest_parent_hwpt(iommufd, dev, ioas));
    if (!step("IOMMU_HWPT_ALLOC (nest parent)", parent)) return 1;
    auto viommu = uapikit::own(iommufd, uapikit::alloc_viommu(iommufd, dev, *parent, uapikit::amd_viommu_data{vm}, vm));
    if (!step("IOMMU_VIOMMU_ALLOC (AMD, KVM VM fd)", viommu)) return 1;
    std::printf("    vIOMMU %u, VF-MMIO at mmap offset 0x%llx\n", viommu->id.get().value(),
                static_cast<unsigned long long>(viommu->data.vfmmio_mmap_offset()));
    auto vdev = uapikit::own(iommufd, uapikit::vdevice_alloc(iommufd, viommu->id, dev, /*virt_id=*/0x10));
    if (!step("IOMMU_VDEVICE_ALLOC (virtual id 0x10)", vdev)) return 1;
    if (!step("IOMMU_VDEVICE_TSM_MAP (private memory)", uapikit::vdevice_tsm_map(iommufd, *vdev, kPrivateBase, kPrivateBase + kPrivateSize)))
        return 1;
    bool torn_down = step("IOMMU_DESTROY vdevice", vdev->reset()) && step("IOMMU_DESTROY vIOMMU", viommu->id.reset()) &&
                     step("IOMMU_DESTROY HWPT", parent->reset());
    return torn_down ? 0 : 1;
}

int on_fake() {
    std::printf("vIOMMU flow on uapikit's fake host (AMD IOMMU, software-protected VM)\n");
    vmm::steps step;
    uapikit::fake::host host;
    int device = host.add_device(host.add_iommu(uapikit::fake::iommu_kind::amd));
    using file = uapikit::file<uapikit::fake::host>;
    auto vm = make_private_vm(host, step);
    if (!vm) return 1;
    auto kvm_vfio = uapikit::kvm_create_device(*vm, uapikit::kvm_device_type::vfio);
    if (!step("KVM_CREATE_DEVICE (KVM-VFIO)", kvm_vfio)) return 1;
    file kvm_vfio_file = file::adopt(host, *kvm_vfio);
    auto iommufd = file::open(host, "/dev/iommu");
    if (!step("open /dev/iommu", iommufd)) return 1;
    auto ioas = uapikit::own(*iommufd, uapikit::ioas_alloc(*iommufd));
    if (!step("IOMMU_IOAS_ALLOC", ioas)) return 1;
    auto cdev = file::open(host, vmm::cdev_path(device).c_str());
    if (!step("open the VFIO device cdev", cdev)) return 1;
    if (!step("KVM_SET_DEVICE_ATTR KVM_DEV_VFIO_FILE_ADD", uapikit::kvm_vfio_file_add(kvm_vfio_file, cdev->fd()))) return 1;
    auto dev = uapikit::vfio_device_bind_iommufd(*cdev, iommufd->fd());
    if (!step("VFIO_DEVICE_BIND_IOMMUFD", dev)) return 1;
    return run_flow(*iommufd, *dev, *ioas, uapikit::vm_fd{vm->fd()}, step);
}

int on_kernel() {
    std::printf("vIOMMU flow on this machine's /dev/iommu and /dev/kvm\n");
    vmm::steps step;
    auto iommufd = uapikit::linux_backend::open();
    if (!iommufd) {
        std::printf("  %s\n  (this kernel has no iommufd, or the module is not loaded)\n", uapikit::describe(iommufd.error()).c_str());
        return 1;
    }
    uapikit::linux_system kernel;
    auto vm = make_private_vm(kernel, step);
    if (!vm) return 1;
    auto ioas = uapikit::own(*iommufd, uapikit::ioas_alloc(*iommufd));
    if (!step("IOMMU_IOAS_ALLOC", ioas)) return 1;
    // Without a VFIO device to hand, the device is a selftest mock
    // (kernels built with CONFIG_IOMMUFD_TEST).
    auto mock = uapikit::selftest_mock_device(*iommufd, *ioas);
    if (!step("IOMMU_TEST_CMD mock device", mock)) return 1;
    return run_flow(*iommufd, mock->device, *ioas, uapikit::vm_fd{vm->fd()}, step);
}

}  // namespace

int main(int argc, char** argv) {
    bool kernel = argc > 1 && std::strcmp(argv[1], "--dev-iommu") == 0;
    if (argc > 1 && !kernel) {
        const bool help = std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0;
        std::fprintf(help ? stdout : stderr,
                     "usage: %s [--dev-iommu]\n  runs on the fake host unless --dev-iommu is given (then on this\n"
                     "  machine's /dev/iommu and /dev/kvm, with the selftest mock device)\n",
                     argv[0]);
        return help ? 0 : 2;
    }
    return kernel ? on_kernel() : on_fake();
}
