// Macro evaluation after a target's first round of parses. What a scan
// promises for a file's macros is what the first successful header, in
// input order, that opened the file reports; for a definition that header
// cannot report (#undef'd or overridden before the end of its translation
// unit), the next such header, and so on. So each file walks the headers
// that opened it, in input order, until one reports all of the file, or
// none is left. A header on the walk that has not evaluated the file yet
// evaluates it in the next round.
//
// The first round may evaluate a file anywhere: in headers before the one
// the walk needs (then those count as steps of the walk) or after the walk
// ends (then counts() says so, and those reports are dropped). So which
// parses evaluated a file first never changes the manifest, only how many
// rounds are needed. Every round evaluates at least one new step of some
// walk, so the rounds end.
#pragma once

#include "scan/file_set.hpp"
#include "scan/header_scan.hpp"

#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

namespace uapikit::scan {

class MacroRounds {
public:
    // `first` is one target's first-round results, by header: which
    // headers compiled and which files each opened.
    explicit MacroRounds(const std::vector<HeaderScan>& first);

    // Records what a round's parses did with the files they probed
    // (`probed` and `round` by header; headers not parsed have nothing).
    void record(const std::vector<FileSet>& probed, const std::vector<HeaderScan>& round);

    // Files each header should probe next round; all empty when finished.
    std::vector<FileSet> next();

    // Once finished: whether what `header` reported for `file` is part of
    // the file's walk. A header past the end of the walk may have seen
    // other #if branches of the file; its reports must not depend on timing.
    bool counts(std::size_t header, const std::string& file) const;

    // Once finished, by header: the files it evaluated whose reports do not
    // count. Nearly always all empty, which spares a check per macro.
    std::vector<FileSet> uncounted() const;

private:
    struct Walk {
        std::vector<std::size_t> openers;                  // successful headers that opened the file, in order
        std::unordered_map<std::size_t, bool> evaluated;   // header -> reported the whole file
        std::size_t step = 0;                              // openers[0, step) are walked: their reports count
        bool finished = false;
    };

    std::size_t headers_;
    std::unordered_map<std::string, Walk> walks_;
};

}  // namespace uapikit::scan
