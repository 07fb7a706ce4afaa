#include "scan/probes.hpp"

#include <array>
#include <string_view>

namespace uapikit::scan {
namespace {

struct QuantityName {
    ProbeVariable::Quantity quantity;
    std::string_view prefix;
};

constexpr std::array<QuantityName, 4> kQuantities = {{
    {ProbeVariable::Quantity::Value, "__uapikit_value_"},
    {ProbeVariable::Quantity::Encoding, "__uapikit_encoding_"},
    {ProbeVariable::Quantity::Undefined, "__uapikit_undefined_"},
    {ProbeVariable::Quantity::ArgumentSize, "__uapikit_argsize_"},
}};

std::string_view prefix_of(ProbeVariable::Quantity q) {
    for (const auto& entry : kQuantities)
        if (entry.quantity == q) return entry.prefix;
    return {};
}

}  // namespace

// The source is built by appending pieces: a scan plans thousands of
// probes per target, and temporaries for each line added up.
ProbePlan plan_probes(const std::vector<std::string>& includes, const ProbeSet& probes) {
    using Q = ProbeVariable::Quantity;
    ProbePlan plan;
    std::string& src = plan.source;
    src.reserve(64 * (includes.size() + probes.values.size() + probes.literals.size()) + 1024);
    unsigned line = 1;
    auto add = [&](std::string_view name, Q quantity) {
        src.append("#ifdef ").append(name).append("\nenum { ").append(prefix_of(quantity)).append(name);
        src.append(" = (").append(name).append(") };\n#endif\n");
        if (quantity == Q::Value) plan.macro_at_line.emplace(line + 1, name);
        if (quantity == Q::ArgumentSize) plan.quiet_lines.insert(line + 1);
        line += 3;
    };
    for (const auto& inc : includes) {
        src.append("#include ").append(inc).append("\n");
        ++line;
    }
    for (const auto& name : probes.values) add(name, Q::Value);
    if (probes.ioctl_encoding)
        for (const char* name : kIoctlEncodingMacros) add(name, Q::Encoding);
    if (!probes.argument_sizes.empty()) {
        // Every architecture builds _IO/_IOR/_IOW/_IOWR on _IOC(dir, type,
        // nr, size); for these lines it yields its size operand alone.
        src.append("#pragma push_macro(\"_IOC\")\n#undef _IOC\n#define _IOC(dir, type, nr, size) (size)\n");
        line += 3;
        for (const auto& name : probes.argument_sizes) add(name, Q::ArgumentSize);
        src.append("#pragma pop_macro(\"_IOC\")\n");
        ++line;
    }
    for (const auto& name : probes.literals) {
        src.append("#ifndef ").append(name).append("\nenum { ").append(prefix_of(Q::Undefined)).append(name);
        src.append(" };\n#endif\n");
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
