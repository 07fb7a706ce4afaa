#include "scan/probes.hpp"

#include <array>
#include <string_view>

namespace uapikit::scan {
namespace {

struct QuantityName {
    ProbeVariable::Quantity quantity;
    std::string_view prefix;
};

constexpr std::array<QuantityName, 2> kQuantities = {{
    {ProbeVariable::Quantity::Value, "__uapikit_value_"},
    {ProbeVariable::Quantity::Encoding, "__uapikit_encoding_"},
}};

std::string prefix_of(ProbeVariable::Quantity q) {
    for (const auto& entry : kQuantities)
        if (entry.quantity == q) return std::string(entry.prefix);
    return {};
}

}  // namespace

ProbePlan plan_probes(const std::vector<std::string>& includes, const std::set<std::string>& macros,
                      bool with_ioctl_encoding) {
    using Q = ProbeVariable::Quantity;
    ProbePlan plan;
    unsigned line = 1;
    auto add = [&](const std::string& name, Q quantity) {
        plan.source += "#ifdef " + name + "\n";
        ++line;
        plan.source += "static const __auto_type " + prefix_of(quantity) + name + " = (" + name + ");\n";
        if (quantity == Q::Value) plan.macro_at_line[line] = name;
        ++line;
        plan.source += "#endif\n";
        ++line;
    };
    for (const auto& inc : includes) {
        plan.source += "#include " + inc + "\n";
        ++line;
    }
    for (const auto& name : macros) add(name, Q::Value);
    if (with_ioctl_encoding)
        for (const char* name : kIoctlEncodingMacros) add(name, Q::Encoding);
    return plan;
}

bool parse_probe_variable(const std::string& variable, ProbeVariable& out) {
    for (const auto& entry : kQuantities) {
        if (variable.starts_with(entry.prefix)) {
            out.quantity = entry.quantity;
            out.macro = variable.substr(entry.prefix.size());
            return true;
        }
    }
    return false;
}

}  // namespace uapikit::scan
