#include "analysis/lints.hpp"

#include "analysis/layout_rules.hpp"
#include "analysis/layout_view.hpp"
#include "analysis/uapi_rules.hpp"

#include <map>

namespace uapikit::analysis {
namespace {

ir::Origin at(const ir::Record& r) { return r.origin; }

ir::Origin at(const LayoutView& view, const Member& m) { return origin_of(*view.groups()[m.group].record, *m.field); }

// A hole is described by where it sits: between the named members around
// it (anonymous structs and unions looked through), or after the last one.
void lint_padding(const ir::Record& r, const RecordLookup& lookup, const std::string& target, FindingCollector& out) {
    if (r.holes.empty()) return;
    LayoutView view(r, lookup);
    for (const auto& hole : r.holes) {
        bool tail = hole.offset + hole.size == r.size;
        const Member *before = nullptr, *after = nullptr;
        for (const Member& m : view.members()) {
            if (m.unnamed()) continue;
            if (m.end <= 8 * hole.offset && (!before || m.end >= before->end)) before = &m;
            if (m.begin >= 8 * (hole.offset + hole.size) && (!after || m.begin < after->begin)) after = &m;
        }
        std::string place = before && after ? ", between " + *before->name + " and " + *after->name
                            : before       ? ", after " + *before->name
                            : after        ? ", before " + *after->name
                                           : std::string();
        Finding f;
        f.kind = "implicit-padding";
        f.record = r.name;
        f.message = std::to_string(hole.size) + " byte" + (hole.size == 1 ? "" : "s") + " of implicit " +
                    (tail ? "tail" : "interior") + " padding at offset " + std::to_string(hole.offset) + place +
                    ": name it (__u32 __reserved) so callers must zero it and it can be used later";
        // Where a reserved field would be written: before the next member,
        // or after the last one.
        f.origin = after && !tail ? at(view, *after) : before ? at(view, *before) : at(r);
        out.add(target, std::move(f));
    }
}

void lint_fields(const ir::Record& r, const std::string& target, FindingCollector& out) {
    for (const auto& field : r.fields) {
        if (is_64bit_integer(field) && (field.offset_bits % 64 != 0 || r.align < 8)) {
            Finding f;
            f.kind = "unaligned-64bit-field";
            f.record = r.name;
            f.field = field.name;
            f.message = field.offset_bits % 64 != 0
                            ? "64-bit field at " + describe_offset(field.offset_bits) + " is not 8-byte aligned"
                            : "64-bit field in a struct aligned to only " + std::to_string(r.align) +
                                  " bytes: use __aligned_u64 so every target lays it out alike";
            f.origin = origin_of(r, field);
            out.add(target, std::move(f));
        }
        if (has_abi_dependent_type(field)) {
            Finding f;
            f.kind = "abi-dependent-type";
            f.record = r.name;
            f.field = field.name;
            f.message = "type '" + field.type + "' changes size or alignment between ABIs: use a fixed-width __u/__s type";
            f.origin = origin_of(r, field);
            out.add(target, std::move(f));
        }
    }
}

void lint_enum(const ir::Enum& e, const std::string& target, FindingCollector& out) {
    if (!is_flag_enum(e)) return;
    std::map<std::uint64_t, std::string> owner;  // bit -> first constant using it
    for (const auto& c : e.constants) {
        if (!is_single_bit(c.value.bits)) continue;
        auto [it, added] = owner.try_emplace(c.value.bits, c.name);
        if (added) continue;
        Finding f;
        f.kind = "flag-bits-overlap";
        f.record = e.name;
        f.field = c.name;
        f.message = "uses the same bit as " + it->second;
        f.origin = e.origin;
        out.add(target, std::move(f));
    }
}

void lint_macro(const ir::Macro& m, const std::string& target, FindingCollector& out) {
    if (m.value) return;
    Finding f;
    f.kind = "macro-not-evaluable";
    f.record = m.name;
    f.message = "does not evaluate in userspace: " + m.error;
    f.origin = m.origin;
    out.add(target, std::move(f));
}

// A 32-bit process on a 64-bit kernel passes its own layout: every record
// must look the same on both sides of a compat pair.
std::string layout_difference(const ir::Record& a, const ir::Record& b) {
    std::string diff;
    auto note = [&](const std::string& what) { diff += (diff.empty() ? "" : ", ") + what; };
    if (a.size != b.size) note("size " + std::to_string(a.size) + " vs " + std::to_string(b.size));
    if (a.align != b.align) note("align " + std::to_string(a.align) + " vs " + std::to_string(b.align));
    std::map<std::string, const ir::Field*> by_name;
    for (const auto& f : b.fields) by_name[f.name] = &f;
    for (const auto& f : a.fields) {
        auto it = by_name.find(f.name);
        if (it == by_name.end()) continue;
        if (f.offset_bits != it->second->offset_bits)
            note(f.name + " at " + describe_offset(f.offset_bits) + " vs " + describe_offset(it->second->offset_bits));
    }
    return diff;
}

void lint_compat_pairs(const ir::Manifest& m, const CheckOptions& options, FindingCollector& out) {
    for (const auto& [narrow, wide] : compat_pairs()) {
        auto a = m.targets.find(narrow), b = m.targets.find(wide);
        if (a == m.targets.end() || b == m.targets.end()) continue;
        std::map<std::string, const ir::Record*> wide_records;
        for (const auto& r : b->second.records) wide_records[r.name] = &r;
        for (const auto& r : a->second.records) {
            auto other = wide_records.find(r.name);
            if (other == wide_records.end()) continue;
            if (!options.all_files && !in_scope(r.origin.file, a->second.headers)) continue;
            std::string diff = layout_difference(r, *other->second);
            if (diff.empty()) continue;
            Finding f;
            f.kind = "compat-layout-differs";
            f.record = r.name;
            f.message = "layout differs between " + narrow + " and " + wide + " (" + diff +
                        "): a 32-bit process would pass the wrong layout to a 64-bit kernel";
            f.origin = other->second->origin;
            out.add(narrow, f);
            out.add(wide, f);
        }
    }
}

}  // namespace

Report check(const ir::Manifest& manifest, const CheckOptions& options) {
    FindingCollector out;
    for (const auto& [triple, abi] : manifest.targets) {
        auto wanted = [&](const ir::Origin& o) { return options.all_files || in_scope(o.file, abi.headers); };
        std::map<std::string, const ir::Record*> by_name;
        for (const auto& r : abi.records) by_name.emplace(r.name, &r);
        RecordLookup lookup = [&](const std::string& name) -> const ir::Record* {
            auto it = by_name.find(name);
            return it == by_name.end() ? nullptr : it->second;
        };
        for (const auto& r : abi.records) {
            if (!wanted(r.origin)) continue;
            lint_padding(r, lookup, triple, out);
            lint_fields(r, triple, out);
        }
        for (const auto& e : abi.enums)
            if (wanted(e.origin)) lint_enum(e, triple, out);
        for (const auto& m : abi.macros)
            if (wanted(m.origin)) lint_macro(m, triple, out);
    }
    lint_compat_pairs(manifest, options, out);
    return out.take();
}

}  // namespace uapikit::analysis
