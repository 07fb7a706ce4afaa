// Collects the object-like integer macros of a parsed translation unit,
// with values taken from the probes plan_probes() placed in the main file.
#pragma once

#include "clang/libclang.hpp"
#include "ir/abi.hpp"
#include "scan/file_set.hpp"
#include "scan/origin_mapper.hpp"
#include "scan/probes.hpp"

#include <set>
#include <vector>

namespace uapikit::scan {

// `probe_errors` maps a macro name to the compiler's first error on its
// probe line. Macros whose body cannot be an integer expression (types,
// attributes, strings, empty guards) are left out.
struct MacroReading {
    std::vector<ir::Macro> macros;
    std::vector<std::string> macro_files;  // by macro: its file, normalised (as in FileSet)
    // Probed files with a definition that is not the one in force at the end
    // of the translation unit (#undef'd or redefined elsewhere).
    FileSet unresolved_files;
};

// Probed names that files outside the probed ones define too, and those
// files: only their definitions need a look to know which one is in force.
struct Redefinitions {
    std::set<std::string> names;
    FileSet files;
};

// Only macros defined in `probe_files` are read: the others were not probed
// in this translation unit. A probed definition that a later one in another
// file replaces is left to a translation unit where it is the last.
MacroReading read_macros(const clang::TranslationUnit& tu, const std::vector<clang::Cursor>& top_level,
                         FileOrigins& origins, const std::map<std::string, std::string>& probe_errors,
                         const FileSet& probe_files, const ProbeSet& probed, const std::set<std::string>& ioctl_names,
                         const Redefinitions& redefinitions);

}  // namespace uapikit::scan
