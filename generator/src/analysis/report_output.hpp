// Renders a Report for people (one compiler-style line per finding) or for
// tools (--format json).
#pragma once

#include "analysis/finding.hpp"

#include <string>

namespace uapikit::analysis {

// file:line:col: severity: record[.field]: message (old -> new) [kind] {targets}
// then one "note:" line summarising what was not compared.
std::string to_text(const Report& report);

// {"findings": [...], "not_covered": [...]} with the keys documented in
// docs/abi-rules.md.
std::string to_json(const Report& report);

}  // namespace uapikit::analysis
