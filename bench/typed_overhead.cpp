// Zero overhead, measured: a vIOMMU allocation (AMD data, KVM fd) issued
// through the typed layer and the same allocation with the raw struct
// filled by hand, both at -O2 over the same opaque no-op backend. Both have
// the same signature, so objdump can count their instructions and
// callgrind (--toggle-collect on each symbol) their executed instructions.
//
//   bench/typed_overhead typed|raw [calls]
#include "noop_backend.hpp"

#include <uapikit/iommufd.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace raw = uapikit::raw::proposed;

extern "C" __attribute__((noinline)) int bench_typed_viommu_alloc(noop_backend& b, std::uint32_t dev, std::uint32_t hwpt,
                                                                   int vm, std::uint32_t* out_id, std::uint64_t* out_offset) {
    uapikit::vm_fd kvm{vm};
    auto r = uapikit::alloc_viommu(b, uapikit::device_id{dev}, uapikit::hwpt_id{hwpt}, uapikit::amd_viommu_data{kvm}, kvm);
    if (!r) return -r.error().code();
    *out_id = r->id.value();
    *out_offset = r->data.vfmmio_mmap_offset();
    return 0;
}

extern "C" __attribute__((noinline)) int bench_raw_viommu_alloc(noop_backend& b, std::uint32_t dev, std::uint32_t hwpt,
                                                                 int vm, std::uint32_t* out_id, std::uint64_t* out_offset) {
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

int main(int argc, char** argv) {
    if (argc < 2 || (std::strcmp(argv[1], "typed") != 0 && std::strcmp(argv[1], "raw") != 0)) {
        std::fprintf(stderr, "usage: %s typed|raw [calls]\n", argv[0]);
        return 2;
    }
    bool typed = std::strcmp(argv[1], "typed") == 0;
    long calls = argc > 2 ? std::atol(argv[2]) : 1000000;
    noop_backend b;
    std::uint32_t id = 0;
    std::uint64_t offset = 0, sum = 0;
    for (long i = 0; i < calls; ++i) {
        int rc = typed ? bench_typed_viommu_alloc(b, 1, 2, 3, &id, &offset) : bench_raw_viommu_alloc(b, 1, 2, 3, &id, &offset);
        sum += static_cast<std::uint64_t>(rc) + id + offset;
    }
    std::printf("%s: %ld calls (checksum %llu)\n", argv[1], calls, static_cast<unsigned long long>(sum));
    return 0;
}
