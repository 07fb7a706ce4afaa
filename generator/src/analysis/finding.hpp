// What check and diff report: one finding per problem or change, with the
// targets it holds for. Findings that are identical on several targets are
// merged, so each appears once and lists every affected target.
#pragma once

#include "ir/abi.hpp"

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace uapikit::analysis {

enum class Severity { Compatible, Warning, Incompatible };

const char* severity_name(Severity s);

struct Finding {
    std::string kind;    // machine-readable class, e.g. "field-moved"; see docs/abi-rules.md
    Severity severity = Severity::Warning;
    std::string record;  // struct, union, enum or macro the finding is about
    std::string field;   // field or enum constant, "" when none
    std::optional<std::string> old_value;
    std::optional<std::string> new_value;
    std::string message;
    ir::Origin origin;   // where `record` (or `field`) is declared
    std::vector<std::string> targets;
};

// A declaration that only one side describes, when the other side is a
// partial description: not compared, neither "removed" nor "new".
struct NotCovered {
    std::string kind;  // "record", "enum", "enum constant", "macro"
    std::string name;
    std::string only_in;  // label of the side that has it
};

struct Report {
    std::vector<Finding> findings;
    std::vector<NotCovered> not_covered;
};

// Collects per-target findings and merges identical ones across targets,
// keeping the order in which they were first seen.
class FindingCollector {
public:
    void add(const std::string& target, Finding finding);
    void not_covered(NotCovered item);
    Report take();

private:
    Report report_;
    std::unordered_map<std::string, std::size_t> index_;  // identity -> place in report_.findings
};

// Drops from `report` what `known` already has (same kind, record, field,
// message; per target), so check can report only what a version adds over
// a baseline.
void subtract_known(Report& report, const Report& known);

// Puts the findings in the order a reader walks the headers: by file, line
// and column, then record, field and kind. The other parts only break ties,
// so the order is the same however the rules happened to produce them.
void sort_by_location(Report& report);

// abidiff-style bitmask: 0 nothing, 4 compatible changes or warnings only,
// 8 set when anything is incompatible (12 when both kinds are present).
int exit_status(const Report& report);

}  // namespace uapikit::analysis
