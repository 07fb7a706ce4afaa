#include "scan/origin_mapper.hpp"

#include <algorithm>
#include <mutex>

namespace uapikit::scan {
namespace fs = std::filesystem;

OriginMapper::OriginMapper(std::vector<fs::path> roots) {
    for (auto& r : roots) roots_.push_back(r.lexically_normal());
    std::sort(roots_.begin(), roots_.end(),
              [](const fs::path& a, const fs::path& b) { return a.native().size() > b.native().size(); });
}

const OriginMapper::Mapping& OriginMapper::map(const std::string& file) const {
    {
        std::shared_lock lock(mutex_);
        if (auto it = cache_.find(file); it != cache_.end()) return it->second;
    }
    Mapping m;
    fs::path p = fs::path(file).lexically_normal();
    m.normalised = p.native();
    if (!file.empty())
        for (const auto& root : roots_) {
            fs::path rel = p.lexically_relative(root);
            if (!rel.empty() && *rel.begin() != "..") {
                m.relative = rel.generic_string();
                break;
            }
        }
    std::unique_lock lock(mutex_);
    return cache_.try_emplace(file, std::move(m)).first->second;
}

}  // namespace uapikit::scan
