#include "scan/probes.hpp"

#include <array>
#include <string_view>

namespace uapikit::scan {
namespace {

struct QuantityName {
    ProbeVariable::Quantity quantity;
    std::string_view prefix;
};

constexpr std::array<QuantityName, 5> kQuantities = {{
    {ProbeVariable::Quantity::Value, "__uapikit_value_"},
    {ProbeVariable::Quantity::IoctlDir, "__uapikit_iocdir_"},
    {ProbeVariable::Quantity::IoctlType, "__uapikit_ioctype_"},
    {ProbeVariable::Quantity::IoctlNr, "__uapikit_iocnr_"},
    {ProbeVariable::Quantity::IoctlSize, "__uapikit_iocsize_"},
}};

std::string prefix_of(ProbeVariable::Quantity q) {
    for (const auto& entry : kQuantities)
        if (entry.quantity == q) return std::string(entry.prefix);
    return {};
}

}  // namespace

ProbePlan plan_probes(const std::vector<std::string>& includes, const std::set<std::string>& macros,
                      const std::set<std::string>& ioctl_macros) {
    using Q = ProbeVariable::Quantity;
    ProbePlan plan;
    unsigned line = 1;
    for (const auto& inc : includes) {
        plan.source += "#include " + inc + "\n";
        ++line;
    }
    for (const auto& name : macros) {
        plan.source += "#ifdef " + name + "\n";
        ++line;
        std::string probe = "static const __auto_type " + prefix_of(Q::Value) + name + " = (" + name + ");";
        if (ioctl_macros.count(name)) {
            // Decoded with the target's own _IOC_* macros, so per-arch
            // encodings (powerpc's 13-bit size, 3-bit dir) come from its
            // headers. Direction is normalised to 1 = write, 2 = read.
            const std::string u = "static const unsigned long long ";
            probe += " " + u + prefix_of(Q::IoctlDir) + name + " = ((_IOC_DIR(" + name + ") & _IOC_READ) ? 2 : 0) | ((_IOC_DIR(" +
                     name + ") & _IOC_WRITE) ? 1 : 0);";
            probe += " " + u + prefix_of(Q::IoctlType) + name + " = _IOC_TYPE(" + name + ");";
            probe += " " + u + prefix_of(Q::IoctlNr) + name + " = _IOC_NR(" + name + ");";
            probe += " " + u + prefix_of(Q::IoctlSize) + name + " = _IOC_SIZE(" + name + ");";
        }
        plan.source += probe + "\n";
        plan.macro_at_line[line] = name;
        ++line;
        plan.source += "#endif\n";
        ++line;
    }
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
