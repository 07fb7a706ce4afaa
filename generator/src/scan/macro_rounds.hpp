// Macro evaluation may need more parses after a target's first round: for
// files no successful parse evaluated (the lexical closure missed them, or
// their owner failed to compile), and for files with a definition the
// evaluating parse could not report (#undef'd or overridden before its
// end). Each such file goes to the next successful header, in input order,
// that opened it. The manifest then holds exactly what parsing every header
// with every probe would report, and each round strictly advances, so the
// rounds end.
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
    // `first` is one target's first-round results, by header; they must
    // outlive this object and not change.
    explicit MacroRounds(const std::vector<HeaderScan>& first) : results_(first) {}

    // Records what a round's parses did with the files they probed
    // (`probed` and `round` by header; headers not parsed have nothing).
    void record(const std::vector<FileSet>& probed, const std::vector<HeaderScan>& round);

    // Files each header should probe next round; all empty when finished.
    std::vector<FileSet> next();

private:
    static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
    bool ok(std::size_t h) const { return !results_[h].error; }

    const std::vector<HeaderScan>& results_;
    bool seeded_ = false;
    FileSet done_;
    std::unordered_map<std::string, std::size_t> pending_after_;  // file -> header index it must come after
};

}  // namespace uapikit::scan
