// The hypervisor-side IOMMU driver registry of pKVM on arm64, from the
// proposal "[PATCH v3 14/29] KVM: arm64: iommu: Introduce IOMMU driver
// infrastructure" (Mostafa Saleh, 2025-07-28): at
// most one driver, registered before protected mode starts; protected-mode
// init runs the driver's init before the hypervisor drops privileges, and
// takes the driver away again when the hypervisor's own init fails.
#pragma once

#include <cerrno>
#include <string>

namespace uapikit::fake {

struct pkvm_iommu_ops {
    int (*init)() = nullptr;             // required
    int (*init_hypervisor)() = nullptr;  // required: the EL2 half
};

class pkvm_registry {
public:
    // 0, -EINVAL with missing ops, -EBUSY when a driver is already there.
    int register_driver(const pkvm_iommu_ops* ops) {
        if (!ops || !ops->init || !ops->init_hypervisor) return -EINVAL;
        if (driver_) return -EBUSY;
        driver_ = ops;
        return 0;
    }

    // Protected-mode init. Without a driver: -ENODEV and a warning that
    // confidential workloads must not run. `hypervisor_ok` models whether
    // the hypervisor's own init succeeds after the driver's.
    int init_protected_mode(bool hypervisor_ok = true) {
        if (!driver_) {
            warning_ = "pKVM: no IOMMU driver registered; DMA is not isolated, do not run confidential workloads";
            return -ENODEV;
        }
        if (int rc = driver_->init(); rc < 0) return rc;
        if (int rc = driver_->init_hypervisor(); rc < 0 || !hypervisor_ok) {
            driver_ = nullptr;  // removed again when the hypervisor side fails
            return rc < 0 ? rc : -EIO;
        }
        return 0;
    }

    bool has_driver() const { return driver_ != nullptr; }
    // The registered driver's ops, or nullptr: the registry's whole state
    // (the warning is the kernel's log line, not state).
    const pkvm_iommu_ops* driver() const { return driver_; }
    const std::string& warning() const { return warning_; }

private:
    const pkvm_iommu_ops* driver_ = nullptr;
    std::string warning_;
};

}  // namespace uapikit::fake
