#include "scan/macro_rounds.hpp"

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
        for (; !walk.finished && walk.step < walk.openers.size(); ++walk.step) {
            auto done = walk.evaluated.find(walk.openers[walk.step]);
            if (done == walk.evaluated.end()) {
                assign[walk.openers[walk.step]].insert(file);
                break;
            }
            if (done->second) walk.finished = true;
        }
        // No opener left: no header reports the rest, and neither would a
        // scan that evaluated every file everywhere.
        if (walk.step == walk.openers.size()) walk.finished = true;
    }
    return assign;
}

}  // namespace uapikit::scan
