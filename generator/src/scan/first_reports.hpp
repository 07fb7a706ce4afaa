// Which top-level declarations of one target a header earlier in input
// order has already reported. The merge keeps only the first report of a
// declaration, so a parse may skip what an earlier header reported: the
// manifest is the same whichever order the parallel parses finish in, and
// headers that share includes (nearly all share linux/types.h) stop walking
// the same records again and again.
#pragma once

#include <cstddef>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace uapikit::scan {

class FirstReports {
public:
    bool reported_before(const std::string& key, std::size_t header) const {
        std::shared_lock lock(mutex_);
        auto it = first_.find(key);
        return it != first_.end() && it->second < header;
    }

    // Only for a header whose parse succeeded: a failed one reports nothing.
    void add(std::vector<std::string> keys, std::size_t header) {
        std::unique_lock lock(mutex_);
        for (auto& key : keys) {
            auto [it, added] = first_.try_emplace(std::move(key), header);
            if (!added && header < it->second) it->second = header;
        }
    }

private:
    mutable std::shared_mutex mutex_;
    std::unordered_map<std::string, std::size_t> first_;  // key -> earliest header
};

}  // namespace uapikit::scan
