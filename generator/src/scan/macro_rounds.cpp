#include "scan/macro_rounds.hpp"

#include <algorithm>

namespace uapikit::scan {

MacroRounds::MacroRounds(const std::vector<HeaderScan>& first) : headers_(first.size()) {
    for (std::size_t h = 0; h < first.size(); ++h)
        if (!first[h].error)
            for (const auto& f : first[h].included) walks_[f].openers.push_back(h);
}

void MacroRounds::record(const std::vector<FileSet>& probed, const std::vector<HeaderScan>& round) {
    for (std::size_t h = 0; h < probed.size(); ++h) {
        if (round[h].error) continue;  // a header that does not compile is on no walk
        for (const auto& f : probed[h]) {
            auto walk = walks_.find(f);
            if (walk == walks_.end() || !round[h].included.count(f)) continue;  // not opened: nothing evaluated
            walk->second.evaluated[h] = !round[h].unresolved.count(f);
        }
    }
}

std::vector<FileSet> MacroRounds::next() {
    std::vector<FileSet> assign(headers_);
    for (auto& [file, walk] : walks_) {
        while (!walk.finished) {
            // No opener left: no header reports the rest, and neither would
            // a scan that evaluated every file everywhere.
            if (walk.step == walk.openers.size()) {
                walk.finished = true;
                break;
            }
            std::size_t h = walk.openers[walk.step];
            auto done = walk.evaluated.find(h);
            if (done == walk.evaluated.end()) {
                assign[h].insert(file);
                break;
            }
            ++walk.step;
            if (done->second) walk.finished = true;
        }
    }
    return assign;
}

bool MacroRounds::counts(std::size_t header, const std::string& file) const {
    auto walk = walks_.find(file);
    if (walk == walks_.end()) return false;
    auto walked_end = walk->second.openers.begin() + static_cast<std::ptrdiff_t>(walk->second.step);
    return std::binary_search(walk->second.openers.begin(), walked_end, header);
}

std::vector<FileSet> MacroRounds::uncounted() const {
    std::vector<FileSet> out(headers_);
    for (const auto& [file, walk] : walks_)
        for (const auto& [header, reported_all] : walk.evaluated)
            if (!counts(header, file)) out[header].insert(file);
    return out;
}

}  // namespace uapikit::scan
