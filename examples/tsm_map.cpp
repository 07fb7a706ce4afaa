// TSM map (proposed ABI): map a range of a VM's private memory for DMA by a
// vdevice. The vIOMMU must be tied to the VM with its KVM VM fd. Today's
// kernels do not have the command (they answer ENOTTY); the fake backend
// models it.
#include <uapikit/error_text.hpp>
#include <uapikit/iommufd.hpp>
#include <uapikit/linux_backend.hpp>

#include <cstdio>
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <unistd.h>

template <typename T>
static bool ok(const uapikit::result<T>& r) {
    if (!r) std::fprintf(stderr, "%s\n", uapikit::describe(r.error()).c_str());
    return static_cast<bool>(r);
}

int main() {
    int kvm = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
    int vm = kvm < 0 ? -1 : ::ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0) {
        std::perror("KVM_CREATE_VM");
        return 1;
    }
    uapikit::vm_fd guest{vm};
    auto iommufd = uapikit::linux_backend::open();
    if (!ok(iommufd)) return 1;
    auto ioas = uapikit::ioas_alloc(*iommufd);
    if (!ok(ioas)) return 1;
    auto mock = uapikit::selftest_mock_device(*iommufd, *ioas);
    if (!ok(mock)) return 1;
    auto parent = uapikit::alloc_nest_parent_hwpt(*iommufd, mock->device, *ioas);
    if (!ok(parent)) return 1;
    auto viommu = uapikit::alloc_viommu(*iommufd, mock->device, *parent, uapikit::selftest_viommu_data{0}, guest);
    if (!ok(viommu)) return 1;
    auto vdev = uapikit::vdevice_alloc(*iommufd, viommu->id, mock->device, 0x100);
    if (!ok(vdev)) return 1;
    // EINVAL unless [start, end) is page-aligned and inside private (guest_memfd) memslots.
    const std::uint64_t start = 0x100000, end = 0x200000;
    if (!ok(uapikit::vdevice_tsm_map(*iommufd, *vdev, start, end))) return 1;
    std::printf("mapped [0x%llx, 0x%llx) for vdevice %u\n", static_cast<unsigned long long>(start),
                static_cast<unsigned long long>(end), vdev->value());
    return 0;
}
