#include "scan/macro_rounds.hpp"

namespace uapikit::scan {
void MacroRounds::record(const std::vector<FileSet>& probed, const std::vector<HeaderScan>& round) {
    for (std::size_t h = 0; h < probed.size(); ++h)
        for (const auto& f : probed[h]) {
            if (!ok(h) || !round[h].included.count(f)) continue;  // not evaluated here
            if (round[h].unresolved.count(f)) {
                pending_after_[f] = h;
            } else {
                done_.insert(f);
                pending_after_.erase(f);
            }
        }
    // Files some parse opened that nobody has evaluated yet. The first
    // round's results never change, and from then on every file they
    // opened is either done or pending, so this is needed once only.
    if (seeded_) return;
    seeded_ = true;
    for (std::size_t h = 0; h < results_.size(); ++h)
        if (ok(h))
            for (const auto& f : results_[h].included)
                if (!done_.count(f)) pending_after_.try_emplace(f, kNone);
}

std::vector<FileSet> MacroRounds::next() {
    std::vector<FileSet> assign(results_.size());
    std::vector<std::string> exhausted;
    for (const auto& [f, after] : pending_after_) {
        std::size_t h = after == kNone ? 0 : after + 1;
        while (h < results_.size() && !(ok(h) && results_[h].included.count(f))) ++h;
        if (h < results_.size())
            assign[h].insert(f);
        else
            exhausted.push_back(f);  // no header reports it: neither would a full parse
    }
    for (const auto& f : exhausted) {
        pending_after_.erase(f);
        done_.insert(f);
    }
    return assign;
}

}  // namespace uapikit::scan
