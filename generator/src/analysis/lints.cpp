#include "analysis/lints.hpp"

#include "analysis/layout_rules.hpp"
#include "analysis/layout_view.hpp"
#include "analysis/uapi_rules.hpp"
#include "ir/field_keys.hpp"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <tuple>

namespace uapikit::analysis {
namespace {

ir::Origin at(const ir::Record& r) { return r.origin; }

ir::Origin at(const LayoutView& view, const Member& m) { return origin_of(*view.groups()[m.group].record, *m.field); }

// The declaration that would take the place of `size` bytes of padding at
// byte `offset`: one fixed-width integer when the hole has that integer's
// size and its natural alignment (so the compiler puts it exactly there),
// otherwise an array of bytes, which fits anywhere.
std::string reserved_declaration(std::uint64_t offset, std::uint64_t size) {
    for (std::uint64_t width : {1u, 2u, 4u, 8u})
        if (size == width && offset % width == 0) return "__u" + std::to_string(8 * width) + " __reserved";
    return "__u8 __reserved[" + std::to_string(size) + "]";
}

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
                    ": name it (" + reserved_declaration(hole.offset, hole.size) +
                    ") so callers must zero it and it can be used later";
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
        // An alias names a flag again on purpose: old name kept for old code.
        if (!is_single_bit(c.value.bits) || !c.alias_of.empty()) continue;
        auto [it, added] = owner.try_emplace(c.value.bits, c.name);
        if (added) continue;
        Finding f;
        f.kind = "flag-bits-overlap";
        f.record = e.name;
        f.field = c.name;
        f.message = "uses the same bit as " + it->second;
        f.origin = origin_of(e, c);
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

std::string hex(std::uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

// ioctl-size-overflow: an argument too large for the target's size field
// (13 bits on powerpc, 14 elsewhere) spills into the direction bits.
void lint_ioctl_size(const ir::Macro& m, const std::string& target, FindingCollector& out) {
    if (!m.ioctl || !m.ioctl->argument_size) return;
    Finding f;
    f.kind = "ioctl-size-overflow";
    f.record = m.name;
    f.new_value = std::to_string(*m.ioctl->argument_size) + " bytes";
    f.message = "the argument is " + std::to_string(*m.ioctl->argument_size) +
                " bytes, more than this target's size field holds: the request number carries size " +
                std::to_string(m.ioctl->size) + " and the rest spills into the direction bits";
    f.origin = m.origin;
    out.add(target, std::move(f));
}

// ioctl-number-reused: two request macros of one file with the same number
// on every target, neither defined as the other's name: a handler that
// receives both cannot tell them apart (two proposals that both took 0x95,
// say). Names that coincide on one target only (FS_IOC32_GETFLAGS and
// FS_IOC_GETFLAGS on i386) are compat variants, not a reuse.
void lint_ioctl_reuse(const std::vector<ir::Macro>& macros, const std::string& target,
                      const std::function<bool(const ir::Origin&)>& wanted,
                      const std::function<bool(const std::string&, const std::string&)>& same_everywhere,
                      FindingCollector& out) {
    std::map<std::string, const ir::Macro*> by_name;
    for (const auto& m : macros)
        if (m.ioctl && m.value) by_name.emplace(m.name, &m);
    auto command_of = [&](const ir::Macro* m) {
        for (int hops = 0; hops < 16 && !m->alias_of.empty(); ++hops) {
            auto it = by_name.find(m->alias_of);
            if (it == by_name.end()) break;
            m = it->second;
        }
        return m;
    };
    std::map<std::pair<std::string, std::uint64_t>, std::vector<const ir::Macro*>> by_number;  // (file, request)
    for (const auto& [name, m] : by_name)
        if (wanted(m->origin)) by_number[{m->origin.file, m->value->bits}].push_back(command_of(m));
    for (auto& [key, commands] : by_number) {
        std::sort(commands.begin(), commands.end(), [](const ir::Macro* a, const ir::Macro* b) {
            return std::tie(a->origin.line, a->name) < std::tie(b->origin.line, b->name);
        });
        commands.erase(std::unique(commands.begin(), commands.end()), commands.end());
        for (std::size_t i = 1; i < commands.size(); ++i) {
            if (!same_everywhere(commands[0]->name, commands[i]->name)) continue;
            Finding f;
            f.kind = "ioctl-number-reused";
            f.record = commands[i]->name;
            f.old_value = commands[0]->name;
            f.new_value = hex(key.second);
            f.message = "same request number as " + commands[0]->name + " (" + hex(key.second) + ", nr " +
                        hex(commands[i]->ioctl->nr) +
                        "): one handler cannot tell the two commands apart, unless they go to different kinds of "
                        "file descriptor";
            f.origin = commands[i]->origin;
            out.add(target, std::move(f));
        }
    }
}

// ioctl-compat-number-differs: a request whose number a 32-bit process
// computes differently from its 64-bit kernel, because the argument's size
// differs (long, a pointer, a plain __u64 in a struct).
void lint_compat_ioctls(const ir::TargetAbi& narrow, const ir::TargetAbi& wide, const CheckOptions& options,
                        FindingCollector& out) {
    HeaderScope scope(narrow.headers);
    std::map<std::string, const ir::Macro*> wide_macros;
    for (const auto& m : wide.macros)
        if (m.ioctl && m.value) wide_macros.emplace(m.name, &m);
    for (const auto& m : narrow.macros) {
        if (!m.ioctl || !m.value || (!options.all_files && !scope.contains(m.origin.file))) continue;
        auto it = wide_macros.find(m.name);
        if (it == wide_macros.end() || it->second->ioctl->size == m.ioctl->size) continue;
        Finding f;
        f.kind = "ioctl-compat-number-differs";
        f.record = m.name;
        f.old_value = hex(m.value->bits);
        f.new_value = hex(it->second->value->bits);
        f.message = "request number differs between " + narrow.triple + " and " + wide.triple + " (argument of " +
                    std::to_string(m.ioctl->size) + " vs " + std::to_string(it->second->ioctl->size) +
                    " bytes): a 32-bit process sends a number its 64-bit kernel only knows through a compat handler";
        f.origin = it->second->origin;
        out.add(narrow.triple, f);
        out.add(wide.triple, f);
    }
}

using RecordsByName = std::map<std::string, const ir::Record*>;

// What a 32-bit process hands its 64-bit kernel through an ioctl is the
// record's bytes: its size and where each member sits. Those must agree on
// both sides of a compat pair. An alignment difference alone changes none
// of those bytes; it shows only where another record embeds this one, and
// there as that record's own size or offsets, so it is named as the cause
// of a move and never reported by itself (docs/abi-rules.md).
std::string layout_difference(const ir::Record& a, const ir::Record& b, const RecordsByName& a_records,
                              const RecordsByName& b_records) {
    std::vector<std::string> moved;
    std::vector<std::string> a_keys = ir::field_keys(a), b_keys = ir::field_keys(b);
    std::map<std::string, const ir::Field*> b_fields;
    for (std::size_t i = 0; i < b.fields.size(); ++i) b_fields.emplace(b_keys[i], &b.fields[i]);
    for (std::size_t i = 0; i < a.fields.size(); ++i) {
        const ir::Field* f = &a.fields[i];
        auto it = b_fields.find(a_keys[i]);
        if (it == b_fields.end() || f->offset_bits == it->second->offset_bits) continue;
        std::string what = ir::field_label(*f) + " at " + describe_offset(f->offset_bits) + " vs " +
                           describe_offset(it->second->offset_bits);
        // A member that holds a record aligned differently: the likely
        // reason it moved.
        std::string held = ir::held_record(f->canonical_type);
        auto x = a_records.find(held), y = b_records.find(held);
        if (!held.empty() && x != a_records.end() && y != b_records.end() && x->second->align != y->second->align)
            what += " (" + (f->anonymous ? std::string("itself") : held) + " aligned to " +
                    std::to_string(x->second->align) + " vs " + std::to_string(y->second->align) + ")";
        moved.push_back(std::move(what));
    }
    if (a.size == b.size && moved.empty()) return {};
    std::string diff;
    auto note = [&](const std::string& what) { diff += (diff.empty() ? "" : ", ") + what; };
    if (a.size != b.size) note("size " + std::to_string(a.size) + " vs " + std::to_string(b.size));
    if (a.align != b.align) note("align " + std::to_string(a.align) + " vs " + std::to_string(b.align));
    for (const auto& what : moved) note(what);
    return diff;
}

void lint_compat_pairs(const ir::Manifest& m, const CheckOptions& options, FindingCollector& out) {
    for (const auto& [narrow, wide] : compat_pairs()) {
        auto a = m.targets.find(narrow), b = m.targets.find(wide);
        if (a == m.targets.end() || b == m.targets.end()) continue;
        lint_compat_ioctls(a->second, b->second, options, out);
        RecordsByName narrow_records, wide_records;
        for (const auto& r : a->second.records) narrow_records[r.name] = &r;
        for (const auto& r : b->second.records) wide_records[r.name] = &r;
        HeaderScope scope(a->second.headers);
        for (const auto& r : a->second.records) {
            if (!options.all_files && !scope.contains(r.origin.file)) continue;
            auto other = wide_records.find(r.name);
            if (other == wide_records.end()) continue;
            std::string diff = layout_difference(r, *other->second, narrow_records, wide_records);
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
    // Request values by target and name, to tell a reuse from a compat pair.
    std::map<std::string, std::map<std::string, std::uint64_t>> requests;
    for (const auto& [triple, abi] : manifest.targets)
        for (const auto& m : abi.macros)
            if (m.ioctl && m.value) requests[triple][m.name] = m.value->bits;
    auto same_everywhere = [&](const std::string& a, const std::string& b) {
        for (const auto& [triple, values] : requests) {
            auto x = values.find(a), y = values.find(b);
            if (x != values.end() && y != values.end() && x->second != y->second) return false;
        }
        return true;
    };
    for (const auto& [triple, abi] : manifest.targets) {
        HeaderScope scope(abi.headers);
        auto wanted = [&](const ir::Origin& o) { return options.all_files || scope.contains(o.file); };
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
        for (const auto& m : abi.macros) {
            if (!wanted(m.origin)) continue;
            lint_macro(m, triple, out);
            lint_ioctl_size(m, triple, out);
        }
        lint_ioctl_reuse(abi.macros, triple, wanted, same_everywhere, out);
    }
    lint_compat_pairs(manifest, options, out);
    Report report = out.take();
    sort_by_location(report);  // in header order, as diff lists its findings
    return report;
}

}  // namespace uapikit::analysis
