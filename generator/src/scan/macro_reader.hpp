// Collects the object-like integer macros of a parsed translation unit,
// with values taken from the probes plan_probes() placed in the main file.
#pragma once

#include "clang/libclang.hpp"
#include "ir/abi.hpp"
#include "scan/origin_mapper.hpp"
#include "scan/probes.hpp"

#include <vector>

namespace uapikit::scan {

// `probe_errors` maps a macro name to the compiler's first error on its
// probe line. Macros whose body cannot be an integer expression (types,
// attributes, strings, empty guards) are left out.
std::vector<ir::Macro> read_macros(const clang::TranslationUnit& tu, const OriginMapper& origins,
                                   const std::map<std::string, std::string>& probe_errors);

}  // namespace uapikit::scan
