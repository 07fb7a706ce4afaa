// `uapikit-gen report --html`: one self-contained page that draws each
// struct as a byte grid per target, with implicit padding highlighted and
// the fields that differ between targets (or from another version) marked.
#pragma once

#include "ir/abi.hpp"

#include <string>

namespace uapikit::emit {

struct ReportInput {
    std::string label;
    const ir::Manifest* manifest = nullptr;
    std::string against_label;                 // "" when not comparing
    const ir::Manifest* against = nullptr;     // the other version, or nullptr
    bool all_files = false;                    // include what the scanned headers include
};

std::string html_report(const ReportInput& input);

}  // namespace uapikit::emit
