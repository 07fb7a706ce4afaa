// Scans one header for one target: one libclang parse whose in-memory main
// file includes the header and then probes its macros.
#pragma once

#include "clang/libclang.hpp"
#include "ir/abi.hpp"
#include "scan/define_index.hpp"

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace uapikit::scan {

struct HeaderInput {
    std::string name;              // as the manifest lists it ("linux/kvm.h")
    std::string include_operand;   // "<linux/kvm.h>" or "\"/abs/path.h\""
    std::filesystem::path file;    // resolved on disk
    std::string not_found;         // set instead of `file` when it does not exist for this target
};

struct TargetSetup {
    std::vector<std::filesystem::path> include_dirs;  // placeholders expanded
    std::vector<std::filesystem::path> roots;         // folders whose files count as uapi
    std::vector<std::string> clang_args;
};

struct HeaderScan {
    std::vector<ir::Record> records;
    std::vector<ir::Enum> enums;
    std::vector<ir::Macro> macros;
    std::optional<ir::HeaderError> error;  // set when the header does not compile alone
    std::set<std::filesystem::path> included;  // uapi files the parse opened, normalised
    // Probed files holding a definition this parse could not report: one
    // #undef'd or overridden before the end of the translation unit. Another
    // header that includes the file may still see it.
    std::set<std::filesystem::path> unresolved;
};

// Which macros a parse evaluates. A multi-header scan evaluates each file's
// macros in one translation unit, not in every one that includes the file.
struct ProbeScope {
    std::vector<std::filesystem::path> closure;     // every file the header may include
    std::set<std::filesystem::path> probe_files;    // the files whose macros this parse evaluates
};

HeaderScan scan_header(clang::Index& index, const HeaderInput& header, const TargetSetup& setup,
                       DefineIndex& defines, const ProbeScope& scope);

// What the benchmark calls "the floor": the same parse with nothing after it.
void parse_only(clang::Index& index, const HeaderInput& header, const TargetSetup& setup, bool keep_macros);

}  // namespace uapikit::scan
