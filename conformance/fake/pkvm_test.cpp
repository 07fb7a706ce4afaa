// The pKVM hypervisor IOMMU driver registry of the proposal "[PATCH v3
// 14/29] KVM: arm64: iommu: Introduce IOMMU driver infrastructure" (Mostafa
// Saleh, 2025-07-28): the one IOMMU driver the protected-mode hypervisor
// uses, and how its registration and initialisation fail.
#include <uapikit/fake/pkvm.hpp>

#include <doctest/doctest.h>

#include <cerrno>

using uapikit::fake::pkvm_iommu_ops;
using uapikit::fake::pkvm_registry;

namespace {
int ok() { return 0; }
int fails() { return -EIO; }
const pkvm_iommu_ops good{&ok, &ok};
}  // namespace

// A rejected call leaves the registry as it was: the same driver, or none.
TEST_CASE("pkvm: registering with missing ops -> EINVAL [proposal pkvm]") {
    pkvm_registry r;
    CHECK(r.register_driver(nullptr) == -EINVAL);
    pkvm_iommu_ops half{&ok, nullptr};
    CHECK(r.register_driver(&half) == -EINVAL);
    CHECK(r.driver() == nullptr);
    // The ops are checked first, so a registered driver stays.
    REQUIRE(r.register_driver(&good) == 0);
    CHECK(r.register_driver(&half) == -EINVAL);
    CHECK(r.driver() == &good);
}

TEST_CASE("pkvm: a second driver -> EBUSY [proposal pkvm]") {
    pkvm_registry r;
    CHECK(r.register_driver(&good) == 0);
    pkvm_iommu_ops other{&ok, &ok};
    CHECK(r.register_driver(&other) == -EBUSY);
    CHECK(r.driver() == &good);
}

TEST_CASE("pkvm: protected-mode init without a driver warns -> ENODEV [proposal pkvm]") {
    pkvm_registry r;
    CHECK(r.init_protected_mode() == -ENODEV);
    CHECK(r.driver() == nullptr);
    CHECK(r.warning().find("confidential") != std::string::npos);
}

// Not a rejected call that changes nothing: when do_pkvm_init() fails after
// the driver's init succeeded, the proposal's kvm_hyp_init_protection()
// calls kvm_iommu_remove_driver().
TEST_CASE("pkvm: a failing hypervisor init removes the driver again -> EIO [proposal pkvm]") {
    pkvm_registry r;
    pkvm_iommu_ops hyp_fails{&ok, &fails};
    REQUIRE(r.register_driver(&hyp_fails) == 0);
    CHECK(r.init_protected_mode() == -EIO);
    CHECK_FALSE(r.has_driver());
    CHECK(r.register_driver(&good) == 0);  // the slot is free again
    CHECK(r.init_protected_mode() == 0);
}

TEST_CASE("pkvm: the driver's own init error passes through -> EIO [proposal pkvm]") {
    pkvm_registry r;
    pkvm_iommu_ops driver_fails{&fails, &ok};
    REQUIRE(r.register_driver(&driver_fails) == 0);
    CHECK(r.init_protected_mode() == -EIO);
    CHECK(r.driver() == &driver_fails);
}
