// Macro probes: after the #include lines of the in-memory main file, each
// candidate macro gets one line declaring an enumerator initialised from
// it, guarded by #ifdef. clang constant-evaluates the enumerator, so macro
// values come from the compiler for the exact target, and a macro that does
// not evaluate yields the compiler's own error on its line.
//
// An enumerator, not a `static const` variable: clang declares one about
// twice as fast, and probes are most of what a scan adds to the parse.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace uapikit::scan {

struct ProbePlan {
    std::string source;
    std::map<unsigned, std::string> macro_at_line;  // main-file line -> macro name
    // Lines whose errors say nothing about the header: the argument-size
    // probes, which fail for requests whose argument cannot be measured.
    std::set<unsigned> quiet_lines;
};

// Macros to probe. `values` are evaluated by clang. `literals` have a single
// integer literal as body: their value is read from clang's token, so they
// only get an #ifndef guard that declares something when the macro is no
// longer defined at the end of the translation unit.
struct ProbeSet {
    std::set<std::string> values;
    std::set<std::string> literals;
    bool ioctl_encoding = false;  // also probe kIoctlEncodingMacros
    // Request macros whose argument size is probed as well: with _IOC
    // redefined to give its size operand, so a size too large for the
    // target's size field is seen before it overflows into other bits.
    std::set<std::string> argument_sizes;
};

// `includes` are the #include operands as written ("<linux/kvm.h>").
ProbePlan plan_probes(const std::vector<std::string>& includes, const ProbeSet& probes);

// The target's ioctl encoding macros. A plan with ioctl macros probes these
// once, so request numbers are decoded with the target's own layout
// (powerpc: 13-bit size, 3-bit direction) as seen by that very parse.
inline constexpr const char* kIoctlEncodingMacros[] = {
    "_IOC_NRSHIFT", "_IOC_TYPESHIFT", "_IOC_SIZESHIFT", "_IOC_DIRSHIFT", "_IOC_NRMASK",
    "_IOC_TYPEMASK", "_IOC_SIZEMASK", "_IOC_DIRMASK", "_IOC_READ", "_IOC_WRITE", "_IOC_NONE",
};

// True for the error clang gives when a probed macro's value has a type
// other than an integer (a string, a float, a pointer): such a macro is not
// an integer macro, not a broken one.
bool is_non_integer_type_error(const std::string& message);

// What a probe variable's name says: which macro, and whether it is a
// value to report or an ioctl encoding constant.
struct ProbeVariable {
    enum class Quantity { Value, Encoding, Undefined, ArgumentSize } quantity;
    std::string macro;
};

// Decodes a variable name made by plan_probes; false for any other name.
bool parse_probe_variable(const std::string& variable, ProbeVariable& out);

}  // namespace uapikit::scan
