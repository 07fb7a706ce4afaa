// UAPIKIT_FAKE_TOPOLOGY's text (fake/topology.hpp) as docs/fake-semantics.md
// describes it: KIND:N entries separated by spaces, commas or semicolons,
// devices numbered vfio0, vfio1, ... in entry order, the default when the
// variable is unset, and an error that names the bad part. The preload's
// side (the variable read from the environment, exit status 2) is
// preload/environment_check.py.
#include <uapikit/fake/host.hpp>

#include <doctest/doctest.h>

#include <string>

using uapikit::fake::default_topology;
using uapikit::fake::iommu_kind;
using uapikit::fake::parse_topology;
using uapikit::fake::topology;

namespace {

std::string vfio(int n) { return "/dev/vfio/devices/vfio" + std::to_string(n); }

}  // namespace

TEST_CASE("topology: instances of given kinds, in order, with their device counts") {
    topology t;
    std::string error;
    REQUIRE(parse_topology("intel-vtd:1, arm-smmuv3:1;arm-smmuv3:2\tamd:0", &t, &error));
    REQUIRE(t.iommus.size() == 4);
    CHECK(t.iommus[0].kind == iommu_kind::intel_vtd);
    CHECK(t.iommus[0].devices == 1);
    CHECK(t.iommus[1].kind == iommu_kind::arm_smmuv3);
    CHECK(t.iommus[1].devices == 1);
    CHECK(t.iommus[2].kind == iommu_kind::arm_smmuv3);
    CHECK(t.iommus[2].devices == 2);
    CHECK(t.iommus[3].kind == iommu_kind::amd);
    CHECK(t.iommus[3].devices == 0);
}

TEST_CASE("topology: the default is vfio0 and vfio1 behind one ARM SMMUv3, vfio2 behind an AMD IOMMU") {
    topology t;
    std::string error;
    REQUIRE(parse_topology(default_topology, &t, &error));
    REQUIRE(t.iommus.size() == 2);
    CHECK(t.iommus[0].kind == iommu_kind::arm_smmuv3);
    CHECK(t.iommus[0].devices == 2);
    CHECK(t.iommus[1].kind == iommu_kind::amd);
    CHECK(t.iommus[1].devices == 1);
}

TEST_CASE("topology: empty text is a machine with only the selftest's mock IOMMU") {
    topology t{{{iommu_kind::amd, 1}}};
    std::string error;
    REQUIRE(parse_topology(" ,; ", &t, &error));
    CHECK(t.iommus.empty());
    uapikit::fake::host h;
    h.apply(t);
    CHECK(h.open(vfio(0)) == -ENOENT);
}

TEST_CASE("topology: applied to a host, devices are vfio0, vfio1, ... in entry order") {
    topology t;
    std::string error;
    REQUIRE(parse_topology("amd:0 intel-vtd:2 arm-smmuv3:1", &t, &error));
    uapikit::fake::host h;
    h.apply(t);
    for (int n = 0; n < 3; ++n) {
        CAPTURE(n);
        int fd = h.open(vfio(n));
        CHECK(fd >= 0);
        if (fd >= 0) CHECK(h.close(fd) == 0);
    }
    CHECK(h.open(vfio(3)) == -ENOENT);
}

TEST_CASE("topology: a bad entry is an error that names it, and the result is untouched") {
    struct bad {
        const char* text;
        const char* message;
    };
    for (const bad& b : {
             bad{"arm-smmuv3:2 riscv:1", "unknown IOMMU kind 'riscv' (arm-smmuv3, amd or intel-vtd)"},
             bad{"ARM-SMMUV3:1", "unknown IOMMU kind 'ARM-SMMUV3' (arm-smmuv3, amd or intel-vtd)"},
             bad{"amd", "'amd' has no device count (KIND:N)"},
             bad{"amd:", "bad device count '' (0 to 64)"},
             bad{"amd:two", "bad device count 'two' (0 to 64)"},
             bad{"amd:1x", "bad device count '1x' (0 to 64)"},
             bad{"amd:-1", "bad device count '-1' (0 to 64)"},
             bad{"amd:65", "bad device count '65' (0 to 64)"},
         }) {
        CAPTURE(b.text);
        topology t{{{iommu_kind::intel_vtd, 3}}};
        std::string error;
        CHECK_FALSE(parse_topology(b.text, &t, &error));
        CHECK(error == b.message);
        REQUIRE(t.iommus.size() == 1);
        CHECK(t.iommus[0].kind == iommu_kind::intel_vtd);
        CHECK(t.iommus[0].devices == 3);
    }
    topology t;
    std::string error;
    CHECK(parse_topology("amd:64", &t, &error));  // the largest count
}
