#include "analysis/abi_diff.hpp"

#include "analysis/lints.hpp"
#include "analysis/uapi_rules.hpp"
#include "util/errors.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

namespace uapikit::analysis {
namespace {

std::string bytes(std::uint64_t n) { return std::to_string(n) + (n == 1 ? " byte" : " bytes"); }

std::string number(const ir::Integer& v) {
    if (!v.is_unsigned && static_cast<std::int64_t>(v.bits) < 0) return std::to_string(static_cast<std::int64_t>(v.bits));
    if (v.bits < 16) return std::to_string(v.bits);
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v.bits));
    return buf;
}

std::string field_type(const ir::Field& f) {
    std::string t = bytes(f.size) + " (" + f.type + ")";
    if (f.bit_width) t = std::to_string(*f.bit_width) + "-bit bitfield (" + f.type + ")";
    return t;
}

// Unnamed members are matched by their type, named ones by name.
std::string field_key(const ir::Field& f) { return f.name.empty() ? "@" + f.type : f.name; }

std::uint64_t begin_byte(const ir::Field& f) { return f.offset_bits / 8; }
std::uint64_t end_byte(const ir::Field& f) { return (f.offset_bits + (f.bit_width ? *f.bit_width : 8 * f.size) + 7) / 8; }

// Everything one side of one target says, indexed for lookup.
struct Side {
    std::string label;
    bool partial = false;
    std::set<std::string> scanned;  // headers given to scan
    const ir::TargetAbi* abi = nullptr;
    std::map<std::string, const ir::Record*> records;
    std::map<std::string, const ir::Enum*> enums;
    std::map<std::string, std::pair<const ir::Enum*, const ir::EnumConstant*>> constants;
    std::map<std::string, const ir::Macro*> macros;

    Side(const std::string& l, const ir::Manifest& m, const ir::TargetAbi& t) : label(l), partial(m.partial), abi(&t) {
        scanned.insert(t.headers.begin(), t.headers.end());
        for (const auto& r : t.records) records[r.name] = &r;
        for (const auto& e : t.enums) {
            enums[e.name] = &e;
            for (const auto& c : e.constants) constants[c.name] = {&e, &c};
        }
        for (const auto& mac : t.macros) macros[mac.name] = &mac;
    }
};

class TargetDiff {
public:
    TargetDiff(const Side& o, const Side& n, std::string triple, bool lineage, FindingCollector& out)
        : old_(o), new_(n), triple_(std::move(triple)), lineage_(lineage), out_(out) {}

    void run() {
        records();
        enums();
        macros();
    }

private:
    const Side& old_;
    const Side& new_;
    std::string triple_;
    bool lineage_;
    FindingCollector& out_;

    void add(std::string kind, Severity s, std::string record, std::string field, std::optional<std::string> o,
             std::optional<std::string> n, std::string message, const ir::Origin& origin) {
        out_.add(triple_, Finding{std::move(kind), s, std::move(record), std::move(field), std::move(o), std::move(n),
                                  std::move(message), origin, {}});
    }

    // A declaration present on one side only is compared when the other side
    // claims to describe it: it is complete, and it scanned the header the
    // declaration comes from.
    bool describes(const Side& other, const Side& having, const ir::Origin& origin) const {
        if (other.partial && !lineage_) return false;
        if (having.scanned.count(origin.file) && !other.scanned.count(origin.file)) return false;
        return true;
    }

    bool only_on_one_side(const Side& having, const Side& other, const char* kind, const std::string& name,
                          const ir::Origin& origin) {
        if (describes(other, having, origin)) return false;
        out_.not_covered({kind, name, having.label});
        return true;
    }

    // ---- records ----------------------------------------------------------

    void records() {
        for (const auto& [name, r] : old_.records) {
            auto it = new_.records.find(name);
            if (it != new_.records.end()) {
                compare_record(*r, *it->second);
            } else if (!only_on_one_side(old_, new_, "record", name, r->origin) && name.find("::") == std::string::npos) {
                add("struct-removed", Severity::Incompatible, name, "", std::nullopt, std::nullopt,
                    "removed: programs that use it no longer build, and the kernel no longer accepts it", r->origin);
            }
        }
        for (const auto& [name, r] : new_.records)
            if (!old_.records.count(name) && !only_on_one_side(new_, old_, "record", name, r->origin) &&
                name.find("::") == std::string::npos)
                add("new-struct", Severity::Compatible, name, "", std::nullopt, bytes(r->size), "new struct", r->origin);
    }

    void compare_record(const ir::Record& o, const ir::Record& n) {
        const std::string& name = n.name;
        bool broken = false;
        auto breaks = [&](std::string kind, std::string field, std::optional<std::string> ov, std::optional<std::string> nv,
                          std::string message) {
            broken = true;
            add(std::move(kind), Severity::Incompatible, name, std::move(field), std::move(ov), std::move(nv),
                std::move(message), n.origin);
        };
        if (o.kind != n.kind)
            breaks("record-kind-changed", "", o.kind == ir::RecordKind::Union ? "union" : "struct",
                   n.kind == ir::RecordKind::Union ? "union" : "struct", "changed between struct and union");
        if (o.align != n.align)
            breaks("alignment-changed", "", "align " + std::to_string(o.align), "align " + std::to_string(n.align),
                   "alignment changed: structs and arrays that embed it change layout");

        std::map<std::string, const ir::Field*> new_fields;
        for (const auto& f : n.fields) new_fields[field_key(f)] = &f;
        std::set<std::string> old_keys;
        for (const auto& f : o.fields) old_keys.insert(field_key(f));
        std::set<const ir::Field*> matched;
        for (const auto& fo : o.fields) {
            auto it = new_fields.find(field_key(fo));
            if (it != new_fields.end()) {
                matched.insert(it->second);
                const ir::Field& fn = *it->second;
                if (fo.offset_bits != fn.offset_bits)
                    breaks("field-moved", fo.name, describe_offset(fo.offset_bits), describe_offset(fn.offset_bits),
                           "field moved: callers built against the old layout read and write it at the old place");
                if (fo.size != fn.size || fo.bit_width != fn.bit_width)
                    breaks("field-size-changed", fo.name, field_type(fo), field_type(fn),
                           "field changed size: old callers pass the old width");
                else if (fo.canonical_type != fn.canonical_type)
                    add("field-type-changed", Severity::Warning, name, fo.name, fo.canonical_type, fn.canonical_type,
                        "field type changed at the same size: the bytes are read with a new meaning (e.g. signedness)",
                        n.origin);
                else if (fo.type != fn.type)
                    add("field-type-renamed", Severity::Compatible, name, fo.name, fo.type, fn.type,
                        "field type spelled differently, same underlying type and layout", n.origin);
                continue;
            }
            // Same bytes under another name: a rename, or a reserved field put to use.
            const ir::Field* same_place = nullptr;
            for (const auto& fn : n.fields)
                if (!old_keys.count(field_key(fn)) && !matched.count(&fn) && fn.offset_bits == fo.offset_bits &&
                    fn.size == fo.size)
                    same_place = &fn;
            if (same_place) {
                matched.insert(same_place);
                if (is_reserved_name(fo.name))
                    add("reserved-repurposed", Severity::Warning, name, same_place->name, fo.name, same_place->name,
                        "reserved field put to use: old callers pass 0 here, so this is compatible only if 0 keeps the "
                        "old behaviour and the kernel used to reject non-zero values",
                        n.origin);
                else
                    add("field-renamed", Severity::Warning, name, fo.name, fo.name, same_place->name,
                        "field renamed at the same place: the binary layout holds, but programs using the old name no "
                        "longer build",
                        n.origin);
                continue;
            }
            breaks("field-removed", fo.name, field_type(fo) + " at " + describe_offset(fo.offset_bits), std::nullopt,
                   "field removed: old callers still fill those bytes");
        }

        std::vector<const ir::Field*> tail;
        for (const auto& fn : n.fields) {
            if (matched.count(&fn)) continue;
            if (begin_byte(fn) >= o.size) {
                tail.push_back(&fn);
                continue;
            }
            auto in_hole = std::any_of(o.holes.begin(), o.holes.end(), [&](const ir::Hole& h) {
                return h.offset <= begin_byte(fn) && end_byte(fn) <= h.offset + h.size;
            });
            if (in_hole) {
                add("field-added-in-padding", Severity::Warning, name, fn.name, std::nullopt, describe_offset(fn.offset_bits),
                    "field added in former implicit padding: old callers may leave garbage there, so this is "
                    "compatible only if every old caller zeroed the whole struct",
                    n.origin);
                continue;
            }
            const ir::Field* overlapped = nullptr;
            for (const auto& fo : o.fields)
                if (begin_byte(fo) < end_byte(fn) && begin_byte(fn) < end_byte(fo)) overlapped = &fo;
            if (overlapped && is_reserved_name(overlapped->name)) {
                add("reserved-repurposed", Severity::Warning, name, fn.name, overlapped->name + " at " + describe_offset(overlapped->offset_bits),
                    fn.name + " at " + describe_offset(fn.offset_bits),
                    "takes the bytes of reserved field " + overlapped->name +
                        ": old callers pass 0 here, so this is compatible only if 0 keeps the old behaviour",
                    n.origin);
                continue;
            }
            breaks("field-inserted", fn.name, std::nullopt, describe_offset(fn.offset_bits),
                   "field inserted inside the old layout" + (overlapped ? " over the bytes of " + overlapped->name : std::string()));
        }

        if (n.size < o.size) {
            breaks("struct-shrunk", "", bytes(o.size), bytes(n.size), "struct shrunk: old callers pass more than the kernel knows");
        } else if (n.size > o.size) {
            std::string first = tail.empty() ? "" : tail.front()->name;
            if (!broken && starts_with_size_field(o))
                add("compatible-extension", Severity::Compatible, name, first, bytes(o.size), bytes(n.size),
                    "grew after its last field: old callers pass the old size and the kernel zero-extends them "
                    "(size-field convention)",
                    n.origin);
            else
                add("struct-grew", Severity::Warning, name, first, bytes(o.size), bytes(n.size),
                    "grew: compatible only where the kernel takes the length from the caller and zero-extends; "
                    "arrays of it and structs embedding it change layout",
                    n.origin);
        }
    }

    // ---- enums ------------------------------------------------------------

    void enums() {
        for (const auto& [name, where] : old_.constants) {
            auto [e, c] = where;
            auto it = new_.constants.find(name);
            if (it == new_.constants.end() && new_.macros.count(name)) {
                const ir::Macro& m = *new_.macros.at(name);
                if (!m.value || m.value->bits != c->value.bits)
                    add("enum-constant-changed", Severity::Incompatible, e->name, name, number(c->value),
                        m.value ? std::optional(number(*m.value)) : std::nullopt,
                        "enum constant became a macro with another value", m.origin);
                continue;
            }
            if (it == new_.constants.end()) {
                if (!only_on_one_side(old_, new_, "enum constant", name, e->origin))
                    add("enum-constant-removed", Severity::Incompatible, e->name, name, number(c->value), std::nullopt,
                        "enum constant removed: programs using it no longer build", e->origin);
                continue;
            }
            const auto& [ne, nc] = it->second;
            if (nc->value.bits != c->value.bits)
                add("enum-constant-changed", Severity::Incompatible, ne->name, name, number(c->value), number(nc->value),
                    "enum constant changed value: old binaries send the old value", ne->origin);
        }
        std::set<std::string> reported_enums;
        for (const auto& [name, where] : new_.constants) {
            auto [e, c] = where;
            if (old_.constants.count(name) || old_.macros.count(name) ||
                only_on_one_side(new_, old_, "enum constant", name, e->origin))
                continue;
            auto old_enum = old_.enums.find(e->name);
            bool enum_is_new = old_enum == old_.enums.end() &&
                               std::none_of(e->constants.begin(), e->constants.end(),
                                            [&](const ir::EnumConstant& x) { return old_.constants.count(x.name); });
            if (enum_is_new) {
                if (reported_enums.insert(e->name).second)
                    add("new-enum", Severity::Compatible, e->name, "", std::nullopt,
                        std::to_string(e->constants.size()) + (e->constants.size() == 1 ? " constant" : " constants"), "new enum", e->origin);
                continue;
            }
            const ir::EnumConstant* reused = nullptr;
            if (old_enum != old_.enums.end() && is_flag_enum(*old_enum->second) && is_single_bit(c->value.bits))
                for (const auto& oc : old_enum->second->constants)
                    if (oc.value.bits == c->value.bits) reused = &oc;
            if (reused)
                add("flag-bit-reused", Severity::Incompatible, e->name, name, reused->name, name,
                    "new flag uses bit " + number(c->value) + ", which meant " + reused->name + " before", e->origin);
            else
                add("new-constant", Severity::Compatible, e->name, name, std::nullopt, number(c->value), "new enum constant",
                    e->origin);
        }
        for (const auto& [name, e] : new_.enums) {
            auto it = old_.enums.find(name);
            if (it != old_.enums.end() && it->second->underlying != e->underlying)
                add("enum-type-changed", Severity::Warning, name, "", it->second->underlying, e->underlying,
                    "underlying type changed: fields declared with this enum may change size", e->origin);
        }
    }

    // ---- macros -----------------------------------------------------------

    // A #define turned into an enum constant of the same name (the usual
    // fix for BIT() flags): compare the values, the name still works.
    void macro_became_constant(const ir::Macro& m, const ir::Enum& e, const ir::EnumConstant& c) {
        if (!m.value)
            add("macro-now-evaluates", Severity::Compatible, e.name, c.name, std::nullopt, number(c.value),
                "the macro that did not evaluate is now an enum constant that does", e.origin);
        else if (m.value->bits != c.value.bits)
            add("macro-value-changed", Severity::Incompatible, e.name, c.name, number(*m.value), number(c.value),
                "macro became an enum constant with another value: old binaries use the old value", e.origin);
    }

    void macros() {
        for (const auto& [name, m] : old_.macros) {
            auto it = new_.macros.find(name);
            if (it == new_.macros.end() && new_.constants.count(name)) {
                macro_became_constant(*m, *new_.constants.at(name).first, *new_.constants.at(name).second);
                continue;
            }
            if (it == new_.macros.end()) {
                if (only_on_one_side(old_, new_, "macro", name, m->origin)) continue;
                if (m->ioctl)
                    add("command-removed", Severity::Incompatible, name, "", number(*m->value), std::nullopt,
                        "ioctl command removed: old binaries still send it", m->origin);
                else
                    add("macro-removed", Severity::Incompatible, name, "", m->value ? std::optional(number(*m->value)) : std::nullopt,
                        std::nullopt, "macro removed: programs using it no longer build", m->origin);
                continue;
            }
            const ir::Macro& n = *it->second;
            if (m->value && n.value) {
                if (m->value->bits == n.value->bits) continue;
                if (m->ioctl || n.ioctl)
                    add("ioctl-number-changed", Severity::Incompatible, name, "", number(*m->value), number(*n.value),
                        "ioctl request number changed: old binaries send the old number", n.origin);
                else
                    add("macro-value-changed", Severity::Incompatible, name, "", number(*m->value), number(*n.value),
                        "macro changed value: old binaries use the old value", n.origin);
            } else if (m->value && !n.value) {
                add("macro-no-longer-evaluates", Severity::Incompatible, name, "", number(*m->value), std::nullopt,
                    "no longer evaluates in userspace: " + n.error, n.origin);
            } else if (!m->value && n.value) {
                add("macro-now-evaluates", Severity::Compatible, name, "", std::nullopt, number(*n.value),
                    "now evaluates in userspace", n.origin);
            }
        }
        for (const auto& [name, m] : new_.macros) {
            if (old_.macros.count(name) || old_.constants.count(name) ||
                only_on_one_side(new_, old_, "macro", name, m->origin))
                continue;
            if (!m->value)
                add("macro-not-evaluable", Severity::Warning, name, "", std::nullopt, std::nullopt,
                    "new macro does not evaluate in userspace: " + m->error, m->origin);
            else if (m->ioctl)
                add("new-command", Severity::Compatible, name, "", std::nullopt, number(*m->value), "new ioctl command",
                    m->origin);
            else
                add("new-constant", Severity::Compatible, name, "", std::nullopt, number(*m->value), "new macro", m->origin);
        }
    }
};

// A new or changed struct is reviewed as check would review it, so that a
// new struct with tail padding or an i386/x86_64 mismatch is not waved
// through as merely "new".
void append_lints_of_changed_records(Report& report, const ir::Manifest& new_manifest) {
    static const std::set<std::string> record_kinds = {
        "new-struct", "compatible-extension", "struct-grew", "field-added-in-padding", "reserved-repurposed",
        "field-moved", "field-size-changed", "field-type-changed", "field-renamed", "field-removed", "field-inserted",
        "struct-shrunk", "alignment-changed", "record-kind-changed"};
    std::set<std::string> touched;
    for (const auto& f : report.findings)
        if (record_kinds.count(f.kind)) touched.insert(f.record);
    if (touched.empty()) return;
    for (auto& lint : check(new_manifest, {}).findings) {
        std::string owner = lint.record.substr(0, lint.record.find("::"));
        if (touched.count(owner)) report.findings.push_back(std::move(lint));
    }
}

}  // namespace

Report diff(const LabelledManifest& old_side, const LabelledManifest& new_side, const DiffOptions& options) {
    std::vector<std::string> old_targets, new_targets;
    for (const auto& [t, abi] : old_side.manifest->targets) old_targets.push_back(t);
    for (const auto& [t, abi] : new_side.manifest->targets) new_targets.push_back(t);
    if (old_targets != new_targets) {
        auto list = [](const std::vector<std::string>& v) {
            std::string s;
            for (const auto& t : v) s += (s.empty() ? "" : ", ") + t;
            return s;
        };
        throw input_error("the two sides cover different targets: " + old_side.label + " has " + list(old_targets) + "; " +
                          new_side.label + " has " + list(new_targets) + " (scan both with the same --target list)");
    }
    FindingCollector out;
    for (const auto& [triple, old_abi] : old_side.manifest->targets) {
        Side o(old_side.label, *old_side.manifest, old_abi);
        Side n(new_side.label, *new_side.manifest, new_side.manifest->targets.at(triple));
        TargetDiff(o, n, triple, options.new_descends_from_old, out).run();
    }
    Report report = out.take();
    append_lints_of_changed_records(report, *new_side.manifest);
    return report;
}

}  // namespace uapikit::analysis
