#include "analysis/finding.hpp"

#include "scan/targets.hpp"

#include <algorithm>
#include <tuple>

namespace uapikit::analysis {
namespace {

// Everything but the targets, as one string: two findings with the same
// identity on two targets are one finding listing both.
std::string identity(const Finding& f) {
    std::string key;
    key.reserve(f.kind.size() + f.record.size() + f.field.size() + f.message.size() + f.origin.file.size() + 64);
    auto part = [&](const std::string& s) { key.append(s).push_back('\0'); };
    part(f.kind);
    key.push_back(static_cast<char>('0' + static_cast<int>(f.severity)));
    part(f.record);
    part(f.field);
    part(f.old_value ? "=" + *f.old_value : std::string());
    part(f.new_value ? "=" + *f.new_value : std::string());
    part(f.message);
    part(f.origin.file);
    key.append(std::to_string(f.origin.line)).push_back(':');
    key.append(std::to_string(f.origin.column));
    return key;
}

std::size_t target_rank(const std::string& triple) {
    const auto& all = scan::supported_targets();
    for (std::size_t i = 0; i < all.size(); ++i)
        if (all[i].triple == triple) return i;
    return all.size();
}

}  // namespace

const char* severity_name(Severity s) {
    switch (s) {
        case Severity::Compatible: return "compatible";
        case Severity::Warning: return "warning";
        case Severity::Incompatible: return "incompatible";
    }
    return "warning";
}

void FindingCollector::add(const std::string& target, Finding finding) {
    auto [it, added] = index_.try_emplace(identity(finding), report_.findings.size());
    if (!added) {
        auto& targets = report_.findings[it->second].targets;
        if (std::find(targets.begin(), targets.end(), target) == targets.end()) targets.push_back(target);
        return;
    }
    finding.targets = {target};
    report_.findings.push_back(std::move(finding));
}

void FindingCollector::not_covered(NotCovered item) {
    for (const auto& existing : report_.not_covered)
        if (existing.kind == item.kind && existing.name == item.name && existing.only_in == item.only_in) return;
    report_.not_covered.push_back(std::move(item));
}

Report FindingCollector::take() {
    index_.clear();
    for (auto& f : report_.findings)
        std::sort(f.targets.begin(), f.targets.end(),  // names are unique: order is total
                         [](const auto& a, const auto& b) { return target_rank(a) < target_rank(b); });
    return std::move(report_);
}

void subtract_known(Report& report, const Report& known) {
    auto same = [](const Finding& a, const Finding& b) {
        return std::tie(a.kind, a.record, a.field, a.message) == std::tie(b.kind, b.record, b.field, b.message);
    };
    std::vector<Finding> kept;
    for (auto& f : report.findings) {
        for (const auto& k : known.findings) {
            if (!same(f, k)) continue;
            std::erase_if(f.targets, [&](const std::string& t) {
                return std::find(k.targets.begin(), k.targets.end(), t) != k.targets.end();
            });
        }
        if (!f.targets.empty()) kept.push_back(std::move(f));
    }
    report.findings = std::move(kept);
}

void sort_by_location(Report& report) {
    auto key = [](const Finding& f) {
        return std::tie(f.origin.file, f.origin.line, f.origin.column, f.record, f.field, f.kind, f.severity, f.old_value,
                        f.new_value, f.message, f.targets);
    };
    std::sort(report.findings.begin(), report.findings.end(),
              [&](const Finding& a, const Finding& b) { return key(a) < key(b); });
}

int exit_status(const Report& report) {
    int status = 0;
    for (const auto& f : report.findings) status |= f.severity == Severity::Incompatible ? 8 : 4;
    return status;
}

}  // namespace uapikit::analysis
