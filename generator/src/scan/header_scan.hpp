// Scans one header for one target: one libclang parse whose in-memory main
// file includes the header and then probes its macros.
#pragma once

#include "clang/libclang.hpp"
#include "ir/abi.hpp"
#include "scan/define_index.hpp"
#include "scan/file_set.hpp"
#include "scan/first_reports.hpp"
#include "scan/origin_mapper.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace uapikit::scan {

struct HeaderInput {
    std::string name;              // as the manifest lists it ("linux/kvm.h")
    std::string include_operand;   // "<linux/kvm.h>" or "\"/abs/path.h\""
    std::filesystem::path file;    // resolved on disk
    std::string read_as;           // the file as the manifest names it: an -I folder as given, joined with the name
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
    std::vector<std::string> macro_files;  // by macro: its file, normalised
    std::optional<ir::HeaderError> error;  // set when the header does not compile alone
    std::string failed_in;  // the uapi file holding that error, normalised; empty when none is
    FileSet included;  // uapi files the parse opened
    // Probed files holding a definition this parse could not report: one
    // #undef'd or overridden before the end of the translation unit. Another
    // header that includes the file may still see it.
    FileSet unresolved;
};

// Which macros a parse evaluates. A multi-header scan evaluates each file's
// macros in one translation unit, not in every one that includes the file.
struct ProbeScope {
    std::vector<std::filesystem::path> closure;     // every file the header may include
    FileSet probe_files;                            // the files whose macros this parse evaluates
};

// What every parse of one target shares. All of it is safe to use from
// several threads at once.
struct TargetShared {
    const TargetSetup& setup;
    DefineIndex& defines;
    const OriginMapper& origins;  // built from setup.roots
    FirstReports& reports;
};

// Which declarations a parse reports. Parses after the first round only
// evaluate macros; first-round parses skip top-level declarations that an
// earlier header of the same target has reported.
struct DeclarationScope {
    bool wanted = true;
    std::size_t header = 0;  // this header's place in input order
};

HeaderScan scan_header(clang::Index& index, const HeaderInput& header, const TargetShared& target,
                       const ProbeScope& scope, const DeclarationScope& declarations);

// What the benchmark calls "the floor": the same parse with nothing after it.
void parse_only(clang::Index& index, const HeaderInput& header, const TargetSetup& setup, bool keep_macros);

}  // namespace uapikit::scan
