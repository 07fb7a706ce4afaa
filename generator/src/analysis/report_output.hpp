// Renders a Report for people (one compiler-style line per finding) or for
// tools (--format json).
#pragma once

#include "analysis/finding.hpp"

#include <string>

namespace uapikit::analysis {

// file:line:col: severity: record[.field]: message (old -> new) [kind] {targets}
// then one "note:" line summarising what was not compared, and, when there
// are findings, a last line counting them per severity.
std::string to_text(const Report& report);

// "12 findings: 1 incompatible, 3 warnings, 8 compatible"
std::string summary_line(const Report& report);

// {"findings": [...], "not_covered": [...]} with the keys documented in
// docs/abi-rules.md.
std::string to_json(const Report& report);

// JUnit XML for CI systems: one test case per finding and target, named
// "kind: record.field [target]" (unique within the suite; classname the
// record's file). Incompatible findings are failures, warnings are skipped
// test cases with the message, compatible changes pass. `suite` names the
// comparison and should not change between runs of one CI job.
std::string to_junit(const Report& report, const std::string& suite);

}  // namespace uapikit::analysis
