// Cloud Hypervisor's VFIO over iommufd: one IOAS, each device added to the
// VM's KVM-VFIO device, bound and attached to the IOAS, all guest RAM
// mapped, then the teardown. On uapikit's fake host (two devices behind an
// AMD IOMMU) by default.
#include "example_main.hpp"

int main(int argc, char** argv) {
    return vmm::run_example(
        argc, argv, "Cloud Hypervisor (vmm/src/device_manager.rs call order)",
        [](auto& sys, std::span<const char* const> cdevs, std::span<const vmm::ram_region> ram) {
            return vmm::cloud_hypervisor(sys, cdevs, ram);
        },
        [](uapikit::fake::host& host) {
            int amd = host.add_iommu(uapikit::fake::iommu_kind::amd);
            return std::vector<std::string>{vmm::cdev_path(host.add_device(amd)), vmm::cdev_path(host.add_device(amd))};
        });
}
