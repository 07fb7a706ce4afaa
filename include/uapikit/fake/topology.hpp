// The machine a fake host pretends to be, from text: which physical IOMMU
// instances it has and how many VFIO devices sit behind each. The preload
// reads it from the environment variable UAPIKIT_FAKE_TOPOLOGY.
//
//   UAPIKIT_FAKE_TOPOLOGY="arm-smmuv3:2 amd:1"
//
// Entries are separated by spaces, commas or semicolons; each KIND:N is one
// IOMMU instance of KIND (arm-smmuv3, amd, intel-vtd) with N devices
// behind it. Devices are /dev/vfio/devices/vfio0, vfio1, ... in the order
// of the entries. The selftest's mock driver is always there besides.
// Without the variable the host is default_topology: vfio0 and vfio1
// behind one ARM SMMUv3, vfio2 behind an AMD IOMMU.
#pragma once

#include <uapikit/fake/domain.hpp>

#include <cctype>
#include <charconv>
#include <string>
#include <string_view>
#include <vector>

namespace uapikit::fake {

inline constexpr const char* topology_variable = "UAPIKIT_FAKE_TOPOLOGY";
// The capabilities the fake's kernel sees the process hold, instead of the
// process's own: a list of sys_resource and ipc_lock (possibly empty).
inline constexpr const char* capabilities_variable = "UAPIKIT_FAKE_CAPS";
inline constexpr const char* default_topology = "arm-smmuv3:2 amd:1";

struct topology {
    struct instance {
        iommu_kind kind;
        unsigned devices;
    };
    std::vector<instance> iommus;
};

// Parses a topology; on bad text returns false and says why in *error.
inline bool parse_topology(std::string_view text, topology* out, std::string* error) {
    static constexpr std::pair<std::string_view, iommu_kind> kinds[] = {
        {"arm-smmuv3", iommu_kind::arm_smmuv3}, {"amd", iommu_kind::amd}, {"intel-vtd", iommu_kind::intel_vtd}};
    topology t;
    std::size_t at = 0;
    while (at < text.size()) {
        while (at < text.size() && (std::isspace(static_cast<unsigned char>(text[at])) || text[at] == ',' || text[at] == ';'))
            ++at;
        if (at == text.size()) break;
        std::size_t end = at;
        while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end])) && text[end] != ',' && text[end] != ';')
            ++end;
        std::string_view entry = text.substr(at, end - at);
        at = end;
        std::size_t colon = entry.find(':');
        std::string_view name = entry.substr(0, colon);
        const iommu_kind* kind = nullptr;
        for (const auto& [n, k] : kinds)
            if (n == name) kind = &k;
        if (!kind) {
            *error = "unknown IOMMU kind '" + std::string(name) + "' (arm-smmuv3, amd or intel-vtd)";
            return false;
        }
        unsigned devices = 0;
        if (colon == std::string_view::npos) {
            *error = "'" + std::string(entry) + "' has no device count (KIND:N)";
            return false;
        }
        std::string_view count = entry.substr(colon + 1);
        auto [ptr, ec] = std::from_chars(count.data(), count.data() + count.size(), devices);
        if (ec != std::errc{} || ptr != count.data() + count.size() || devices > 64) {
            *error = "bad device count '" + std::string(count) + "' (0 to 64)";
            return false;
        }
        t.iommus.push_back({*kind, devices});
    }
    *out = std::move(t);
    return true;
}

// Parses UAPIKIT_FAKE_CAPS: which of CAP_SYS_RESOURCE and CAP_IPC_LOCK to
// grant; any other word is an error.
inline bool parse_capabilities(std::string_view text, bool* sys_resource, bool* ipc_lock, std::string* error) {
    *sys_resource = *ipc_lock = false;
    std::size_t at = 0;
    while (at < text.size()) {
        std::size_t end = text.find_first_of(" ,;", at);
        if (end == std::string_view::npos) end = text.size();
        std::string_view word = text.substr(at, end - at);
        at = end + 1;
        if (word.empty()) continue;
        if (word == "sys_resource")
            *sys_resource = true;
        else if (word == "ipc_lock")
            *ipc_lock = true;
        else {
            *error = "unknown capability '" + std::string(word) + "' (sys_resource, ipc_lock)";
            return false;
        }
    }
    return true;
}

}  // namespace uapikit::fake
