#include "scan/origin_mapper.hpp"

#include <algorithm>

namespace uapikit::scan {
namespace fs = std::filesystem;

OriginMapper::OriginMapper(std::vector<fs::path> roots) {
    for (auto& r : roots) roots_.push_back(r.lexically_normal());
    std::sort(roots_.begin(), roots_.end(),
              [](const fs::path& a, const fs::path& b) { return a.native().size() > b.native().size(); });
}

std::optional<std::string> OriginMapper::relative(const std::string& file) const {
    if (file.empty()) return std::nullopt;
    if (auto it = cache_.find(file); it != cache_.end()) return it->second;
    fs::path p = fs::path(file).lexically_normal();
    std::optional<std::string> result;
    for (const auto& root : roots_) {
        fs::path rel = p.lexically_relative(root);
        if (!rel.empty() && *rel.begin() != "..") {
            result = rel.generic_string();
            break;
        }
    }
    cache_.emplace(file, result);
    return result;
}

}  // namespace uapikit::scan
