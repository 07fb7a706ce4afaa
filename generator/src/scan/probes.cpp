#include "scan/probes.hpp"

#include <array>
#include <string_view>

namespace uapikit::scan {
namespace {

struct QuantityName {
    ProbeVariable::Quantity quantity;
    std::string_view prefix;
};

constexpr std::array<QuantityName, 3> kQuantities = {{
    {ProbeVariable::Quantity::Value, "__uapikit_value_"},
    {ProbeVariable::Quantity::Encoding, "__uapikit_encoding_"},
    {ProbeVariable::Quantity::Undefined, "__uapikit_undefined_"},
}};

std::string prefix_of(ProbeVariable::Quantity q) {
    for (const auto& entry : kQuantities)
        if (entry.quantity == q) return std::string(entry.prefix);
    return {};
}

}  // namespace

ProbePlan plan_probes(const std::vector<std::string>& includes, const ProbeSet& probes) {
    using Q = ProbeVariable::Quantity;
    ProbePlan plan;
    unsigned line = 1;
    auto add = [&](const std::string& name, Q quantity) {
        plan.source += "#ifdef " + name + "\n";
        ++line;
        plan.source += "enum { " + prefix_of(quantity) + name + " = (" + name + ") };\n";
        if (quantity == Q::Value) plan.macro_at_line[line] = name;
        ++line;
        plan.source += "#endif\n";
        ++line;
    };
    for (const auto& inc : includes) {
        plan.source += "#include " + inc + "\n";
        ++line;
    }
    for (const auto& name : probes.values) add(name, Q::Value);
    if (probes.ioctl_encoding)
        for (const char* name : kIoctlEncodingMacros) add(name, Q::Encoding);
    for (const auto& name : probes.literals) {
        plan.source += "#ifndef " + name + "\nenum { " + prefix_of(Q::Undefined) + name + " };\n#endif\n";
        line += 3;
    }
    return plan;
}

bool is_non_integer_type_error(const std::string& message) {
    return message.starts_with("integer constant expression must have integer type");
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
