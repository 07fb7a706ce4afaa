// `uapikit-gen report`: one self-contained HTML page (no scripts, no
// external files) that draws each struct as a byte grid per target, 16
// bytes to a line, with each field's name over its bytes, implicit padding
// highlighted, and the bytes that differ between targets (or from another
// version) marked. With another version, each struct also lists what
// `uapikit-gen diff` says about it, and the page can show changed structs
// only.
#pragma once

#include "analysis/finding.hpp"
#include "ir/abi.hpp"

#include <string>

namespace uapikit::emit {

struct ReportInput {
    std::string label;
    const ir::Manifest* manifest = nullptr;
    std::string against_label;                 // "" when not comparing
    const ir::Manifest* against = nullptr;     // the other version, or nullptr
    const analysis::Report* findings = nullptr;  // diff(against -> manifest), when comparing
    bool all_files = false;                    // include what the scanned headers include
    bool changed_only = false;                 // with `against`: draw only structs that differ
};

std::string html_report(const ReportInput& input);

}  // namespace uapikit::emit
