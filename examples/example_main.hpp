// What the VMM call-order examples share: guest RAM in this process, and
// running a flow on uapikit's fake host (the default) or on this machine's
// /dev/iommu, /dev/kvm and VFIO cdevs (--dev-iommu /dev/vfio/devices/vfioN...).
#pragma once

#include "vmm_flows.hpp"

#include <uapikit/fake/host.hpp>

#include <cstdio>
#include <cstring>
#include <string>
#include <sys/mman.h>
#include <vector>

namespace vmm {

// Guest RAM: `size` bytes of anonymous memory, seen by the guest at `guest_address`.
class guest_ram {
public:
    guest_ram(std::uint64_t guest_address, std::uint64_t size)
        : region_{guest_address, ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), size} {}
    guest_ram(const guest_ram&) = delete;
    guest_ram& operator=(const guest_ram&) = delete;
    ~guest_ram() {
        if (region_.host_address != MAP_FAILED) ::munmap(region_.host_address, region_.size);
    }
    bool ok() const { return region_.host_address != MAP_FAILED; }
    std::span<const ram_region> regions() const { return {&region_, 1}; }

private:
    ram_region region_;
};

// Runs `flow(system, cdev paths, ram)` on the fake host, whose devices
// `make_devices` adds (returning their cdev paths), or with --dev-iommu on
// the kernel with the cdev paths given on the command line.
template <typename Flow, typename MakeDevices>
int run_example(int argc, char** argv, const char* title, Flow flow, MakeDevices make_devices) {
    guest_ram ram(0x40000000, 2u << 20);
    if (!ram.ok()) return 1;
    if (argc > 1 && std::strcmp(argv[1], "--dev-iommu") == 0) {
        std::vector<const char*> paths(argv + 2, argv + argc);
        if (paths.empty()) {
            std::fprintf(stderr, "usage: %s --dev-iommu /dev/vfio/devices/vfioN...\n", argv[0]);
            return 2;
        }
        std::printf("%s on this machine's /dev/iommu, /dev/kvm and %s\n", title, paths.front());
        uapikit::linux_system kernel;
        return flow(kernel, std::span<const char* const>(paths), ram.regions());
    }
    if (argc > 1) {
        // --help is a question, answered on stdout; anything else is a mistake.
        const bool help = std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0;
        std::fprintf(help ? stdout : stderr,
                     "usage: %s [--dev-iommu /dev/vfio/devices/vfioN...]\n  runs on uapikit's fake host unless --dev-iommu is given\n",
                     argv[0]);
        return help ? 0 : 2;
    }
    uapikit::fake::host host;
    std::vector<std::string> names = make_devices(host);
    std::vector<const char*> paths;
    for (const auto& n : names) paths.push_back(n.c_str());
    std::printf("%s on uapikit's fake host\n", title);
    return flow(host, std::span<const char* const>(paths), ram.regions());
}

}  // namespace vmm
