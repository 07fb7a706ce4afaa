#include "analysis/report_output.hpp"

#include "util/markup_escape.hpp"

#include <nlohmann/json.hpp>

#include <map>

namespace uapikit::analysis {
namespace {

std::string join(const std::vector<std::string>& items, const char* sep) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : sep) + item;
    return out;
}

}  // namespace

std::string summary_line(const Report& report) {
    std::size_t counts[3] = {0, 0, 0};
    for (const auto& f : report.findings) ++counts[static_cast<int>(f.severity)];
    auto part = [](std::size_t n, const char* one, const char* many) { return std::to_string(n) + " " + (n == 1 ? one : many); };
    return part(report.findings.size(), "finding", "findings") + ": " + part(counts[2], "incompatible", "incompatible") +
           ", " + part(counts[1], "warning", "warnings") + ", " + part(counts[0], "compatible", "compatible") + "\n";
}

std::string to_text(const Report& report) {
    std::string out;
    for (const auto& f : report.findings) {
        out += f.origin.file + ":" + std::to_string(f.origin.line) + ":" + std::to_string(f.origin.column) + ": ";
        out += std::string(severity_name(f.severity)) + ": " + f.record;
        if (!f.field.empty()) out += "." + f.field;
        out += ": " + f.message;
        if (f.old_value || f.new_value)
            out += " (" + f.old_value.value_or("none") + " -> " + f.new_value.value_or("none") + ")";
        out += " [" + f.kind + "] {" + join(f.targets, ", ") + "}\n";
    }
    if (!report.not_covered.empty()) {
        std::map<std::string, std::map<std::string, int>> counts;  // side -> kind -> n
        for (const auto& n : report.not_covered) ++counts[n.only_in][n.kind];
        for (const auto& [side, kinds] : counts) {
            std::vector<std::string> parts;
            for (const auto& [kind, n] : kinds) parts.push_back(std::to_string(n) + " " + kind + (n == 1 ? "" : "s"));
            out += "note: not compared: " + join(parts, ", ") + " only in " + side +
                   ": the other side does not describe them (a partial description, a header it did not scan, "
                   "or one that did not compile there); --format json lists them\n";
        }
    }
    if (!report.findings.empty()) out += summary_line(report);
    return out;
}

std::string to_json(const Report& report) {
    using json = nlohmann::ordered_json;
    json root;
    root["findings"] = json::array();
    for (const auto& f : report.findings) {
        json j;
        j["kind"] = f.kind;
        j["severity"] = severity_name(f.severity);
        j["record"] = f.record;
        if (!f.field.empty()) j["field"] = f.field;
        j["targets"] = f.targets;
        if (f.old_value) j["old"] = *f.old_value;
        if (f.new_value) j["new"] = *f.new_value;
        j["message"] = f.message;
        j["file"] = f.origin.file;
        j["line"] = f.origin.line;
        j["column"] = f.origin.column;
        root["findings"].push_back(std::move(j));
    }
    root["not_covered"] = json::array();
    for (const auto& n : report.not_covered)
        root["not_covered"].push_back({{"kind", n.kind}, {"name", n.name}, {"only_in", n.only_in}});
    return root.dump(1) + "\n";
}

std::string to_junit(const Report& report, const std::string& suite) {
    // One case per finding and target: CI systems track a case's history by
    // its name, and a finding that holds on some targets only is a
    // different result on each.
    struct Case {
        const Finding* finding;
        std::string name;
    };
    std::vector<Case> cases;
    std::map<std::string, int> seen;
    std::size_t failures = 0, skipped = 0;
    for (const auto& f : report.findings)
        for (const auto& target : f.targets) {
            std::string name = f.kind + ": " + f.record + (f.field.empty() ? "" : "." + f.field) + " [" + target + "]";
            // Two findings of one kind on one member (a field moved on one
            // target and resized on none, say) still get distinct names.
            if (int n = ++seen[name]; n > 1) name += " #" + std::to_string(n);
            cases.push_back({&f, std::move(name)});
            failures += f.severity == Severity::Incompatible;
            skipped += f.severity == Severity::Warning;
        }
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out += "<testsuites name=\"uapikit\" tests=\"" + std::to_string(cases.size()) + "\" failures=\"" +
           std::to_string(failures) + "\" skipped=\"" + std::to_string(skipped) + "\">\n";
    out += " <testsuite name=\"" + markup_escape(suite) + "\" tests=\"" + std::to_string(cases.size()) +
           "\" failures=\"" + std::to_string(failures) + "\" errors=\"0\" skipped=\"" + std::to_string(skipped) + "\">\n";
    for (const auto& [finding, name] : cases) {
        const Finding& f = *finding;
        std::string text = f.origin.file + ":" + std::to_string(f.origin.line) + ":" + std::to_string(f.origin.column) + ": " +
                           f.message;
        if (f.old_value || f.new_value) text += " (" + f.old_value.value_or("none") + " -> " + f.new_value.value_or("none") + ")";
        out += "  <testcase classname=\"" + markup_escape(f.origin.file) + "\" name=\"" + markup_escape(name) + "\">";
        if (f.severity == Severity::Incompatible)
            out += "<failure type=\"incompatible\" message=\"" + markup_escape(f.message) + "\">" + markup_escape(text) + "</failure>";
        else if (f.severity == Severity::Warning)
            out += "<skipped message=\"" + markup_escape("warning: " + text) + "\"/>";
        else
            out += "<system-out>" + markup_escape("compatible: " + text) + "</system-out>";
        out += "</testcase>\n";
    }
    out += " </testsuite>\n</testsuites>\n";
    return out;
}

}  // namespace uapikit::analysis
