// Zero overhead, measured: each pair issues the same request through a
// typed call and with the raw struct filled by hand, both at -O2 over the
// same opaque no-op backend. The two functions of a pair have the same
// signature, so objdump can count their instructions and callgrind
// (--toggle-collect on each symbol) their executed instructions.
//
//   viommu_alloc   alloc_viommu with AMD driver data and a KVM VM fd (hand-written front, generated call)
//   ioas_map       the generated ioas_map: typed flags, user memory, IOVA out
//   hwpt_alloc     alloc_nest_parent_hwpt over the generated hwpt_alloc
//   invalidate     the generated hwpt_invalidate with a span of SMMUv3 commands
//   vfio_bind      the generated vfio_device_bind_iommufd (VFIO's argsz)
//
//   bench/typed_overhead typed|raw NAME [calls]
#include "noop_backend.hpp"

#include <uapikit/iommufd.hpp>
#include <uapikit/vfio_kvm.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace raw = uapikit::raw::proposed;
namespace vfio = uapikit::raw::linux_6_12_vfio_kvm;

#define BENCH extern "C" __attribute__((noinline)) int

// ---- IOMMU_VIOMMU_ALLOC -------------------------------------------------------------

BENCH bench_typed_viommu_alloc(noop_backend& b, std::uint32_t dev, std::uint32_t hwpt, int vm, std::uint32_t* out_id,
                               std::uint64_t* out_offset) {
    uapikit::vm_fd kvm{vm};
    auto r = uapikit::alloc_viommu(b, uapikit::device_id{dev}, uapikit::hwpt_id{hwpt}, uapikit::amd_viommu_data{kvm}, kvm);
    if (!r) return -r.error().code();
    *out_id = r->id.value();
    *out_offset = r->data.vfmmio_mmap_offset();
    return 0;
}

BENCH bench_raw_viommu_alloc(noop_backend& b, std::uint32_t dev, std::uint32_t hwpt, int vm, std::uint32_t* out_id,
                             std::uint64_t* out_offset) {
    raw::iommu_viommu_amd data{};
    data.kvmfd = vm;
    raw::iommu_viommu_alloc cmd{};
    cmd.size = sizeof cmd;
    cmd.flags = raw::IOMMU_VIOMMU_KVM_FD;
    cmd.type = raw::IOMMU_VIOMMU_TYPE_AMD;
    cmd.dev_id = dev;
    cmd.hwpt_id = hwpt;
    cmd.data_len = sizeof data;
    cmd.data_uptr = reinterpret_cast<std::uintptr_t>(&data);
    cmd.kvm_vm_fd = vm;
    int rc = b.ioctl(raw::IOMMU_VIOMMU_ALLOC, &cmd);
    if (rc < 0) return rc;
    *out_id = cmd.out_viommu_id;
    *out_offset = data.out_vfmmio_mmap_offset;
    return 0;
}

// ---- IOMMU_IOAS_MAP -------------------------------------------------------------------

BENCH bench_typed_ioas_map(noop_backend& b, std::uint32_t ioas, const void* va, std::uint64_t length, std::uint64_t* iova) {
    using f = uapikit::ioas_map_flags;
    auto r = uapikit::ioas_map(b, f::readable | f::writeable, uapikit::ioas_id{ioas}, va, length, 0);
    if (!r) return -r.error().code();
    *iova = *r;
    return 0;
}

BENCH bench_raw_ioas_map(noop_backend& b, std::uint32_t ioas, const void* va, std::uint64_t length, std::uint64_t* iova) {
    raw::iommu_ioas_map cmd{};
    cmd.size = sizeof cmd;
    cmd.flags = raw::IOMMU_IOAS_MAP_READABLE | raw::IOMMU_IOAS_MAP_WRITEABLE;
    cmd.ioas_id = ioas;
    cmd.user_va = reinterpret_cast<std::uintptr_t>(va);
    cmd.length = length;
    int rc = b.ioctl(raw::IOMMU_IOAS_MAP, &cmd);
    if (rc < 0) return rc;
    *iova = cmd.iova;
    return 0;
}

// ---- IOMMU_HWPT_ALLOC (nesting parent) -------------------------------------------------

BENCH bench_typed_hwpt_alloc(noop_backend& b, std::uint32_t dev, std::uint32_t ioas, std::uint32_t* out_id) {
    auto r = uapikit::alloc_nest_parent_hwpt(b, uapikit::device_id{dev}, uapikit::ioas_id{ioas});
    if (!r) return -r.error().code();
    *out_id = r->value();
    return 0;
}

BENCH bench_raw_hwpt_alloc(noop_backend& b, std::uint32_t dev, std::uint32_t ioas, std::uint32_t* out_id) {
    raw::iommu_hwpt_alloc cmd{};
    cmd.size = sizeof cmd;
    cmd.flags = raw::IOMMU_HWPT_ALLOC_NEST_PARENT;
    cmd.dev_id = dev;
    cmd.pt_id = ioas;
    cmd.data_type = raw::IOMMU_HWPT_DATA_NONE;
    int rc = b.ioctl(raw::IOMMU_HWPT_ALLOC, &cmd);
    if (rc < 0) return rc;
    *out_id = cmd.out_hwpt_id;
    return 0;
}

// ---- IOMMU_HWPT_INVALIDATE ---------------------------------------------------------------

BENCH bench_typed_invalidate(noop_backend& b, std::uint32_t viommu, const raw::iommu_viommu_arm_smmuv3_invalidate* cmds,
                             std::uint32_t n, std::uint32_t* handled) {
    auto r = uapikit::hwpt_invalidate(b, uapikit::viommu_id{viommu},
                                      uapikit::array_view<const raw::iommu_viommu_arm_smmuv3_invalidate>(cmds, n),
                                      uapikit::invalidate_data_type::arm_smmuv3);
    if (!r) return -r.error().code();
    *handled = *r;
    return 0;
}

BENCH bench_raw_invalidate(noop_backend& b, std::uint32_t viommu, const raw::iommu_viommu_arm_smmuv3_invalidate* cmds,
                           std::uint32_t n, std::uint32_t* handled) {
    raw::iommu_hwpt_invalidate cmd{};
    cmd.size = sizeof cmd;
    cmd.hwpt_id = viommu;
    cmd.data_uptr = reinterpret_cast<std::uintptr_t>(cmds);
    cmd.data_type = raw::IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3;
    cmd.entry_len = sizeof(*cmds);
    cmd.entry_num = n;
    int rc = b.ioctl(raw::IOMMU_HWPT_INVALIDATE, &cmd);
    if (rc < 0) return rc;
    *handled = cmd.entry_num;
    return 0;
}

// ---- VFIO_DEVICE_BIND_IOMMUFD ----------------------------------------------------------

BENCH bench_typed_vfio_bind(noop_backend& b, int iommufd, std::uint32_t* out_devid) {
    auto r = uapikit::vfio_device_bind_iommufd(b, iommufd);
    if (!r) return -r.error().code();
    *out_devid = r->value();
    return 0;
}

BENCH bench_raw_vfio_bind(noop_backend& b, int iommufd, std::uint32_t* out_devid) {
    vfio::vfio_device_bind_iommufd cmd{};
    cmd.argsz = sizeof cmd;
    cmd.iommufd = iommufd;
    int rc = b.ioctl(vfio::VFIO_DEVICE_BIND_IOMMUFD, &cmd);
    if (rc < 0) return rc;
    *out_devid = cmd.out_devid;
    return 0;
}

int main(int argc, char** argv) {
    if (argc < 3 || (std::strcmp(argv[1], "typed") != 0 && std::strcmp(argv[1], "raw") != 0)) {
        std::fprintf(stderr, "usage: %s typed|raw viommu_alloc|ioas_map|hwpt_alloc|invalidate|vfio_bind [calls]\n", argv[0]);
        return 2;
    }
    bool typed = std::strcmp(argv[1], "typed") == 0;
    std::string_view name = argv[2];
    long calls = argc > 3 ? std::atol(argv[3]) : 1000000;
    noop_backend b;
    std::uint32_t id = 0;
    std::uint64_t value = 0, sum = 0;
    static char page[4096];
    static raw::iommu_viommu_arm_smmuv3_invalidate cmds[2];
    for (long i = 0; i < calls; ++i) {
        int rc = 0;
        if (name == "viommu_alloc")
            rc = typed ? bench_typed_viommu_alloc(b, 1, 2, 3, &id, &value) : bench_raw_viommu_alloc(b, 1, 2, 3, &id, &value);
        else if (name == "ioas_map")
            rc = typed ? bench_typed_ioas_map(b, 1, page, sizeof page, &value) : bench_raw_ioas_map(b, 1, page, sizeof page, &value);
        else if (name == "hwpt_alloc")
            rc = typed ? bench_typed_hwpt_alloc(b, 1, 2, &id) : bench_raw_hwpt_alloc(b, 1, 2, &id);
        else if (name == "invalidate")
            rc = typed ? bench_typed_invalidate(b, 3, cmds, 2, &id) : bench_raw_invalidate(b, 3, cmds, 2, &id);
        else if (name == "vfio_bind")
            rc = typed ? bench_typed_vfio_bind(b, 5, &id) : bench_raw_vfio_bind(b, 5, &id);
        else
            return 2;
        sum += static_cast<std::uint64_t>(rc) + id + value;
    }
    std::printf("%s %s: %ld calls (checksum %llu)\n", argv[1], argv[2], calls, static_cast<unsigned long long>(sum));
    return 0;
}
