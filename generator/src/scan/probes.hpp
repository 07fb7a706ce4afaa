// Macro probes: after the #include lines of the in-memory main file, each
// candidate macro gets one line declaring constants initialised from it,
// guarded by #ifdef. libclang then constant-evaluates those declarations, so
// macro values come from the compiler for the exact target, and a macro that
// does not evaluate yields the compiler's own error on its line.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace uapikit::scan {

struct ProbePlan {
    std::string source;
    std::map<unsigned, std::string> macro_at_line;  // main-file line -> macro name
};

// `includes` are the #include operands as written ("<linux/kvm.h>").
ProbePlan plan_probes(const std::vector<std::string>& includes, const std::set<std::string>& macros,
                      const std::set<std::string>& ioctl_macros);

// What a probe variable's name says: which macro, and which quantity.
struct ProbeVariable {
    enum class Quantity { Value, IoctlDir, IoctlType, IoctlNr, IoctlSize } quantity;
    std::string macro;
};

// Decodes a variable name made by plan_probes; false for any other name.
bool parse_probe_variable(const std::string& variable, ProbeVariable& out);

}  // namespace uapikit::scan
