#include "analysis/abi_diff.hpp"

#include "analysis/constant_rules.hpp"
#include "analysis/layout_rules.hpp"
#include "analysis/lints.hpp"
#include "analysis/name_patterns.hpp"
#include "analysis/uapi_rules.hpp"
#include "analysis/wording.hpp"
#include "ir/field_keys.hpp"
#include "util/errors.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <utility>

namespace uapikit::analysis {
namespace {

// The last word of a constant's name: a rename keeps it
// (CXL_MEM_COMMAND_ID_GET_POISON -> CXL_MEM_DEPRECATED_ID_GET_POISON).
std::string last_word(const std::string& name) { return name.substr(name.rfind('_') + 1); }

std::string number(const ir::Integer& v) {
    if (!v.is_unsigned && static_cast<std::int64_t>(v.bits) < 0) return std::to_string(static_cast<std::int64_t>(v.bits));
    if (v.bits < 16) return std::to_string(v.bits);
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v.bits));
    return buf;
}

// The type of an anonymous struct or union member: its members are the
// parent's (C11), so it is compared as part of the parent, never alone.
bool is_anonymous_member_type(const std::string& name) { return name.find("::@") != std::string::npos; }

// Everything one side of one target says, indexed for lookup.
struct Side {
    std::string label;
    std::string triple;
    bool partial = false;
    std::set<std::string> scanned;  // headers given to scan
    std::map<std::string, std::string> failed;  // of those, the ones that did not compile: their error
    std::set<std::string> absent;   // of those, the ones its tree does not have (scan --keep-going)
    // Every file a declaration of this side comes from: the scanned headers
    // and what they include. A manifest does not list the files a scan only
    // reached, so this stands in for that list.
    std::set<std::string> files;
    const ir::TargetAbi* abi = nullptr;
    std::map<std::string, const ir::Record*> records;
    std::map<std::string, const ir::Enum*> enums;
    std::map<std::string, std::pair<const ir::Enum*, const ir::EnumConstant*>> constants;
    std::map<std::string, const ir::Macro*> macros;
    RecordLookup lookup;

    Side(const std::string& l, const ir::Manifest& m, const ir::TargetAbi& t)
        : label(l), triple(t.triple), partial(m.partial), abi(&t) {
        scanned.insert(t.headers.begin(), t.headers.end());
        for (const auto& e : t.errors) failed.emplace(e.header, e.message);
        for (std::size_t i = 0; i < t.headers.size() && i < t.header_files.size(); ++i)
            if (t.header_files[i].empty()) absent.insert(t.headers[i]);
        for (const auto& r : t.records) {
            records[r.name] = &r;
            files.insert(r.origin.file);
        }
        for (const auto& e : t.enums) {
            enums[e.name] = &e;
            files.insert(e.origin.file);
            for (const auto& c : e.constants) constants[c.name] = {&e, &c};
        }
        for (const auto& mac : t.macros) {
            macros[mac.name] = &mac;
            files.insert(mac.origin.file);
        }
        lookup = [this](const std::string& name) -> const ir::Record* {
            auto it = records.find(name);
            return it == records.end() ? nullptr : it->second;
        };
    }

    const ir::Record* record(const std::string& name) const { return lookup(name); }

    // Records that hold `name` by value or as array elements.
    std::vector<std::string> holders_of(const std::string& name) const {
        if (!holders) {
            holders = std::make_unique<std::map<std::string, std::vector<std::string>>>();
            for (const auto& r : abi->records)
                for (const auto& f : r.fields)
                    if (std::string held = ir::held_record(f.canonical_type); !held.empty() && !f.anonymous) {
                        auto& list = (*holders)[held];
                        if (std::find(list.begin(), list.end(), r.name) == list.end()) list.push_back(r.name);
                    }
        }
        auto it = holders->find(name);
        return it == holders->end() ? std::vector<std::string>{} : it->second;
    }

private:
    mutable std::unique_ptr<std::map<std::string, std::vector<std::string>>> holders;
};

struct TargetSides {
    std::unique_ptr<Side> old_side, new_side;
};

class TargetDiff {
public:
    TargetDiff(const std::map<std::string, TargetSides>& all, const std::string& triple, const DiffOptions& options,
               FindingCollector& out)
        : all_(all), old_(*all.at(triple).old_side), new_(*all.at(triple).new_side), triple_(triple),
          lineage_(options.new_descends_from_old), whole_trees_(options.whole_trees), out_(out),
          old_is_narrower_(narrower(old_, new_)), new_is_narrower_(options.new_narrowed || narrower(new_, old_)),
          old_lost_one_(lost_one(old_, new_)), new_lost_one_(lost_one(new_, old_)) {}

    void run() {
        headers();
        records();
        enums();
        macros();
    }

private:
    const std::map<std::string, TargetSides>& all_;
    const Side& old_;
    const Side& new_;
    std::string triple_;
    bool lineage_;
    bool whole_trees_;
    FindingCollector& out_;
    bool old_is_narrower_;  // the old side scanned some of the new side's headers and nothing else
    bool new_is_narrower_;  // the same of the new side, or DiffOptions::new_narrowed
    bool old_lost_one_;     // a header both sides scanned failed on the old side only
    bool new_lost_one_;     // the same of the new side

    static bool narrower(const Side& a, const Side& b) {
        return a.scanned.size() < b.scanned.size() &&
               std::includes(b.scanned.begin(), b.scanned.end(), a.scanned.begin(), a.scanned.end());
    }

    // Whether a header both sides scanned, which `b` compiled, failed on `a`
    // (its tree has it). What `b` reached through its includes, `a` may have
    // reached too, had it compiled; a manifest does not say which header
    // reached which file.
    static bool lost_one(const Side& a, const Side& b) {
        return std::any_of(a.failed.begin(), a.failed.end(), [&](const auto& entry) {
            const auto& header = entry.first;
            return !a.absent.count(header) && b.scanned.count(header) && !b.failed.count(header);
        });
    }

    void add(std::string kind, Severity s, std::string record, std::string field, std::optional<std::string> o,
             std::optional<std::string> n, std::string message, const ir::Origin& origin) {
        out_.add(triple_, Finding{std::move(kind), s, std::move(record), std::move(field), std::move(o), std::move(n),
                                  std::move(message), origin, {}});
    }

    // A declaration present on one side only is compared when the other side
    // claims to describe it: it is complete, the header the declaration comes
    // from is not in its tree (scan --keep-going recorded it as not found)
    // or compiled there, and it scanned that header (whole trees: or its
    // tree has no such header). A header a scanned one includes (asm/kvm.h
    // through linux/kvm.h) is described by the other side unless that side
    // is the narrower one (DiffOptions::new_narrowed) and reached nothing
    // from it, or reached nothing from it while a header that may have
    // brought it failed there (a header that stopped compiling takes
    // asm-generic/ioctl.h's macros with it; they were not removed).
    bool describes(const Side& other, const Side& having, const ir::Origin& origin) const {
        if (other.partial && !lineage_) return false;
        if (other.absent.count(origin.file)) return true;  // that tree has no such header: added or removed
        if (other.failed.count(origin.file)) return false;
        if (whole_trees_) return true;
        if (having.scanned.count(origin.file)) return other.scanned.count(origin.file) > 0;
        if (other.files.count(origin.file)) return true;
        const bool other_is_old = &other == &old_;
        return !(other_is_old ? old_is_narrower_ || old_lost_one_ : new_is_narrower_ || new_lost_one_);
    }

    bool only_on_one_side(const Side& having, const Side& other, const char* kind, const std::string& name,
                          const ir::Origin& origin) {
        if (describes(other, having, origin)) return false;
        out_.not_covered({kind, name, having.label});
        return true;
    }

    // ---- headers ----------------------------------------------------------

    // header-no-longer-compiles: a header both sides scanned that compiled
    // on its own before and does not now (its tree still has it). Nothing of
    // it can be compared, and programs that include it no longer build.
    void headers() {
        for (const auto& [header, error] : new_.failed) {
            if (!old_.scanned.count(header) || old_.failed.count(header) || new_.absent.count(header)) continue;
            auto [origin, text] = located_error(header, error);
            add("header-no-longer-compiles", Severity::Incompatible, header, "", std::nullopt, std::nullopt,
                "compiled on its own before and does not now, so programs that include it no longer build; "
                "its declarations are not compared (" + text + ")",
                origin);
        }
    }

    // A scan error ("DIR/include/linux/x.h:82:2: error: ...") with its file
    // named include-style, as findings name files (the folder may be a
    // temporary one, gone when the check ends), and where it points when
    // that is the header itself; else the header's first line.
    static std::pair<ir::Origin, std::string> located_error(const std::string& header, std::string error) {
        const auto end = error.find(": error: ");
        if (end == std::string::npos) return {{header, 1, 1}, error};
        std::string where = error.substr(0, end);
        if (auto inc = where.rfind("/include/"); inc != std::string::npos) where = where.substr(inc + 9);
        error = where + error.substr(end);
        const auto col = where.rfind(':'), line = col == std::string::npos ? col : where.rfind(':', col - 1);
        unsigned l = 0, c = 0;
        auto number = [&](std::size_t from, std::size_t to, unsigned& out) {
            return from < to && std::from_chars(where.data() + from, where.data() + to, out).ptr == where.data() + to;
        };
        if (line != std::string::npos && where.substr(0, line) == header && number(line + 1, col, l) &&
            number(col + 1, where.size(), c))
            return {{header, l, c}, error};
        return {{header, 1, 1}, error};
    }

    // ---- moved declarations ---------------------------------------------

    // moved-to-arch-header: a declaration of a linux/ header that this
    // target no longer has, because it now lives in other architectures'
    // asm/ headers (linux/kvm.h -> asm/kvm.h). Returns where, for every
    // other target that has it there: "asm/kvm.h of i386-linux-gnu,
    // x86_64-linux-gnu", the same text whichever target lost it, so the
    // targets that lost it share one finding.
    std::optional<std::string> moved_to_arch(const std::string& old_file, const auto& find_origin) const {
        if (!old_file.starts_with("linux/")) return std::nullopt;
        std::map<std::string, std::vector<std::string>> targets_by_file;
        for (const auto& [triple, sides] : all_)
            if (auto o = find_origin(*sides.new_side); o && o->file.starts_with("asm/"))
                targets_by_file[o->file].push_back(triple);
        if (targets_by_file.empty()) return std::nullopt;
        std::string where;
        for (const auto& [file, triples] : targets_by_file) {
            where += (where.empty() ? "" : "; ") + file + " of ";
            for (std::size_t i = 0; i < triples.size(); ++i) where += (i ? ", " : "") + triples[i];
        }
        return where;
    }

    bool report_moved_to_arch(const std::string& record, const std::string& field, const ir::Origin& old_origin,
                              const auto& find_origin) {
        auto moved = moved_to_arch(old_origin.file, find_origin);
        if (!moved) return false;
        add("moved-to-arch-header", Severity::Warning, record, field, old_origin.file, *moved,
            "moved from " + old_origin.file +
                " to the asm/ header of the architectures that use it; programs for the targets listed that named it "
                "no longer build",
            old_origin);
        return true;
    }

    // moved-to-header: a declaration both sides have, now in another header
    // (linux/fb.h -> linux/vesa.h). Both files must be headers userspace
    // names: given to scan, or linux/ ones. A move into a header the scan
    // only reached that is no linux/ header (a linux/ header's asm/ half,
    // asm-generic/) is how the kernel splits a header per architecture, and
    // the linux/ header still brings it. Whether the old header brings the
    // new one is not in a manifest, hence a warning.
    static bool named_by_userspace(const Side& side, const std::string& file) {
        return side.scanned.count(file) || file.starts_with("linux/");
    }

    void report_moved_to_header(const std::string& record, const ir::Origin& before, const ir::Origin& after) {
        if (before.file == after.file || !named_by_userspace(old_, before.file) || !named_by_userspace(new_, after.file))
            return;
        add("moved-to-header", Severity::Warning, record, "", before.file, after.file,
            "moved from " + before.file + " to " + after.file + ": programs that include only " + before.file +
                " still build if it includes " + after.file + ", which a manifest does not record",
            after);
    }

    // ---- records ----------------------------------------------------------

    void records() {
        for (const auto& [name, r] : old_.records) {
            if (is_anonymous_member_type(name)) continue;
            if (const ir::Record* n = new_.record(name)) {
                if (name.find("::") == std::string::npos) report_moved_to_header(name, r->origin, n->origin);
                compare_record(*r, *n);
            } else if (!only_on_one_side(old_, new_, "record", name, r->origin) && name.find("::") == std::string::npos) {
                record_removed(*r);
            }
        }
        for (const auto& [name, r] : new_.records)
            if (!old_.records.count(name) && !is_anonymous_member_type(name) &&
                !only_on_one_side(new_, old_, "record", name, r->origin) && name.find("::") == std::string::npos &&
                !renamed_records_.count(name))
                add("new-struct", Severity::Compatible, name, "", std::nullopt, bytes(r->size), "new struct", r->origin);
    }

    std::set<std::string> renamed_records_;  // new names that a rename explained

    void record_removed(const ir::Record& r) {
        auto origin_on = [&](const Side& s) -> std::optional<ir::Origin> {
            if (const ir::Record* x = s.record(r.name)) return x->origin;
            return std::nullopt;
        };
        if (report_moved_to_arch(r.name, "", r.origin, origin_on)) return;
        // struct-renamed: a new name for the same layout.
        for (const auto& [name, n] : new_.records) {
            if (old_.records.count(name) || is_anonymous_member_type(name) || name.find("::") != std::string::npos) continue;
            if (!same_layout(r, *n) || renamed_records_.count(name)) continue;
            renamed_records_.insert(name);
            add("struct-renamed", Severity::Warning, r.name, "", r.name, name,
                "renamed with the same layout: binaries keep working, programs using the old name no longer build",
                n->origin);
            return;
        }
        add("struct-removed", Severity::Incompatible, r.name, "", std::nullopt, std::nullopt,
            "removed: programs that use it no longer build, and the kernel no longer accepts it", r.origin);
    }

    void compare_record(const ir::Record& o, const ir::Record& n) {
        RecordDelta delta(o, n, old_.lookup, new_.lookup);
        if (delta.layout_unchanged()) return;
        RecordContext context;
        context.caller_sized = takes_length_from_caller(o) && takes_length_from_caller(n);
        context.unnamed = n.name.find("::") != std::string::npos || n.name.starts_with("@");
        std::optional<LayoutView> wide_old, wide_new;
        for (const auto& [narrow, wide] : compat_pairs()) {
            if (narrow != triple_ || !all_.count(wide)) continue;
            const Side &wo = *all_.at(wide).old_side, &wn = *all_.at(wide).new_side;
            const ir::Record *a = wo.record(o.name), *b = wn.record(n.name);
            if (!a || !b) continue;
            context.wide_old = &wide_old.emplace(*a, wo.lookup);
            context.wide_new = &wide_new.emplace(*b, wn.lookup);
            context.wide_target = wide;
        }
        if (o.align != n.align) context.embedded_in = holders_changed_with(n.name);
        context.old_records = old_.lookup;
        context.new_records = new_.lookup;
        for (auto& f : judge_record(delta, context)) out_.add(triple_, std::move(f));
    }

    // The records holding `name` by value whose own layout changed with it:
    // the holding member moved, or the holder's alignment changed along with
    // its size (its tail padding). A holder whose alignment alone changed
    // moved no byte: that is its own alignment-changed, judged by its own
    // holders.
    std::vector<std::string> holders_changed_with(const std::string& name) const {
        std::vector<std::string> out;
        for (const std::string& holder : new_.holders_of(name)) {
            const ir::Record* before = old_.record(holder);
            const ir::Record* after = new_.record(holder);
            if (!before || !after) continue;
            bool changed = before->align != after->align && before->size != after->size;
            for (const auto& f : after->fields) {
                if (ir::held_record(f.canonical_type) != name) continue;
                auto same = std::find_if(before->fields.begin(), before->fields.end(),
                                         [&](const ir::Field& x) { return x.name == f.name; });
                if (same == before->fields.end() || same->offset_bits != f.offset_bits) changed = true;
            }
            if (changed) out.push_back(holder);
        }
        return out;
    }

    // ---- enums ------------------------------------------------------------

    void constant_changed(const std::string& record, const std::string& name, const ir::Integer& before,
                          const ir::Integer& after, bool macro, const ir::Origin& origin, const char* kind,
                          const std::string& message) {
        if (auto verdict = expected_change(name, before, after, macro))
            add(verdict->kind, Severity::Compatible, record, macro ? "" : name, number(before), number(after),
                verdict->message, origin);
        else
            add(kind, Severity::Incompatible, record, macro ? "" : name, number(before), number(after), message, origin);
    }

    void enums() {
        std::set<std::string> renamed_to;
        for (const auto& [name, where] : old_.constants) {
            auto [e, c] = where;
            auto it = new_.constants.find(name);
            if (it == new_.constants.end() && new_.macros.count(name)) {
                const ir::Macro& m = *new_.macros.at(name);
                if (!m.value)
                    add("enum-constant-changed", Severity::Incompatible, e->name, name, number(c->value), std::nullopt,
                        "enum constant became a macro that does not evaluate", m.origin);
                else if (m.value->bits != c->value.bits)
                    constant_changed(e->name, name, c->value, *m.value, false, m.origin, "enum-constant-changed",
                                     "enum constant became a macro with another value");
                continue;
            }
            if (it == new_.constants.end()) {
                if (only_on_one_side(old_, new_, "enum constant", name, e->origin)) continue;
                constant_removed(*e, *c, renamed_to);
                continue;
            }
            const auto& [ne, nc] = it->second;
            if (nc->value.bits != c->value.bits)
                constant_changed(ne->name, name, c->value, nc->value, false, origin_of(*ne, *nc), "enum-constant-changed",
                                 "enum constant changed value: old binaries send the old value");
        }
        std::set<std::string> reported_enums;
        for (const auto& [name, where] : new_.constants) {
            auto [e, c] = where;
            if (old_.constants.count(name) || old_.macros.count(name) || renamed_to.count(name) ||
                only_on_one_side(new_, old_, "enum constant", name, e->origin))
                continue;
            auto old_enum = old_.enums.find(e->name);
            bool enum_is_new = old_enum == old_.enums.end() &&
                               std::none_of(e->constants.begin(), e->constants.end(),
                                            [&](const ir::EnumConstant& x) { return old_.constants.count(x.name); });
            if (enum_is_new) {
                if (reported_enums.insert(e->name).second)
                    add("new-enum", Severity::Compatible, e->name, "", std::nullopt,
                        std::to_string(e->constants.size()) + (e->constants.size() == 1 ? " constant" : " constants"),
                        "new enum", e->origin);
                continue;
            }
            // flag-bit-reused: a new flag on a bit an old flag meant. The
            // value of a counting sentinel (PERF_SAMPLE_BRANCH_MAX) is no
            // flag's bit, and a new alias of a flag is a second name for it.
            const ir::EnumConstant* reused = nullptr;
            if (old_enum != old_.enums.end() && is_flag_enum(*old_enum->second) && is_single_bit(c->value.bits) &&
                c->alias_of.empty())
                for (const auto& oc : old_enum->second->constants)
                    if (oc.value.bits == c->value.bits && !is_sentinel_name(oc.name, false) && oc.alias_of.empty())
                        reused = &oc;
            if (reused)
                add("flag-bit-reused", Severity::Incompatible, e->name, name, reused->name, name,
                    "new flag uses bit " + std::to_string(std::countr_zero(c->value.bits)) + " (" + number(c->value) +
                        "), which meant " + reused->name + " before",
                    origin_of(*e, *c));
            else
                add("new-constant", Severity::Compatible, e->name, name, std::nullopt, number(c->value), "new enum constant",
                    origin_of(*e, *c));
        }
        for (const auto& [name, e] : new_.enums) {
            auto it = old_.enums.find(name);
            if (it != old_.enums.end()) report_moved_to_header(name, it->second->origin, e->origin);
            if (it != old_.enums.end() && it->second->underlying != e->underlying)
                add("enum-type-changed", Severity::Warning, name, "", it->second->underlying, e->underlying,
                    "underlying type changed: fields declared with this enum may change size", e->origin);
        }
    }

    void constant_removed(const ir::Enum& e, const ir::EnumConstant& c, std::set<std::string>& renamed_to) {
        auto origin_on = [&](const Side& s) -> std::optional<ir::Origin> {
            if (auto it = s.constants.find(c.name); it != s.constants.end()) return it->second.first->origin;
            return std::nullopt;
        };
        if (report_moved_to_arch(e.name, c.name, e.origin, origin_on)) return;
        // enum-constant-renamed: the same enum has a new constant with this
        // value and the same last word. A new constant with this value and
        // an unrelated name took the value over: old binaries now mean it.
        const ir::EnumConstant* taken_by = nullptr;
        if (auto ne = new_.enums.find(e.name); ne != new_.enums.end()) {
            for (const auto& nc : ne->second->constants) {
                if (nc.value.bits != c.value.bits || old_.constants.count(nc.name) || renamed_to.count(nc.name)) continue;
                if (last_word(nc.name) != last_word(c.name)) {
                    taken_by = &nc;
                    continue;
                }
                renamed_to.insert(nc.name);
                add("enum-constant-renamed", Severity::Warning, e.name, c.name, c.name, nc.name,
                    "renamed with the same value: binaries keep working, programs using the old name no longer build",
                    origin_of(*ne->second, nc));
                return;
            }
        }
        add("enum-constant-removed", Severity::Incompatible, e.name, c.name, number(c.value), std::nullopt,
            taken_by ? "enum constant removed, and its value now means " + taken_by->name +
                           ": programs using it no longer build, and old binaries that send it mean something else"
                     : std::string("enum constant removed: programs using it no longer build"),
            origin_of(e, c));
    }

    // ---- macros -----------------------------------------------------------

    // A #define turned into an enum constant of the same name (the usual
    // fix for BIT() flags): compare the values, the name still works.
    void macro_became_constant(const ir::Macro& m, const ir::Enum& e, const ir::EnumConstant& c) {
        if (!m.value)
            add("macro-now-evaluates", Severity::Compatible, e.name, c.name, std::nullopt, number(c.value),
                "the macro that did not evaluate is now an enum constant that does", origin_of(e, c));
        else if (m.value->bits != c.value.bits)
            constant_changed(e.name, c.name, *m.value, c.value, false, origin_of(e, c), "macro-value-changed",
                             "macro became an enum constant with another value: old binaries use the old value");
    }

    // A request macro whose argument struct moved to another
    // architecture's asm/ header: sizeof() has nothing to measure here.
    bool argument_moved_to_arch(const std::string& name, const ir::Macro& now, const ir::Macro& before) {
        const std::string marker = "incomplete type 'struct ";
        auto at = now.error.find(marker);
        if (at == std::string::npos) return false;
        std::string record = now.error.substr(at + marker.size());
        record = record.substr(0, record.find('\''));
        const ir::Record* old_record = old_.record(record);
        if (!old_record || new_.record(record)) return false;
        auto moved = moved_to_arch(old_record->origin.file, [&](const Side& s) -> std::optional<ir::Origin> {
            if (const ir::Record* r = s.record(record)) return r->origin;
            return std::nullopt;
        });
        if (!moved) return false;
        add("moved-to-arch-header", Severity::Warning, name, "", old_record->origin.file, *moved,
            "its argument struct " + record + " moved from " + old_record->origin.file +
                " to the asm/ header of the architectures that use it, so it no longer evaluates for the targets "
                "listed",
            before.origin);
        return true;
    }

    // ioctl-size-grew, ioctl-number-changed.
    void request_changed(const ir::Macro& before, const ir::Macro& after) {
        const std::string& name = after.name;
        bool only_size_grew = before.ioctl && after.ioctl && before.ioctl->dir == after.ioctl->dir &&
                              before.ioctl->type == after.ioctl->type && before.ioctl->nr == after.ioctl->nr &&
                              after.ioctl->size > before.ioctl->size;
        if (only_size_grew) {
            std::string sizes = std::to_string(before.ioctl->size) + " -> " + std::to_string(after.ioctl->size) + " bytes";
            if (const NamePattern* p = match_name(size_tolerant_requests(), name))
                add("ioctl-size-grew", Severity::Compatible, name, "", number(*before.value), number(*after.value),
                    "the argument grew (" + sizes + "), which changes the number; " + p->why +
                        ", so old binaries' number still works",
                    after.origin);
            else
                add("ioctl-number-changed", Severity::Incompatible, name, "", number(*before.value), number(*after.value),
                    "ioctl request number changed with its argument's size (" + sizes +
                        "): old binaries send the old number",
                    after.origin);
            return;
        }
        add("ioctl-number-changed", Severity::Incompatible, name, "", number(*before.value), number(*after.value),
            "ioctl request number changed: old binaries send the old number", after.origin);
    }

    std::optional<ir::Origin> macro_origin(const Side& s, const std::string& name) const {
        if (auto it = s.macros.find(name); it != s.macros.end() && it->second->value) return it->second->origin;
        return std::nullopt;
    }

    void macros() {
        for (const auto& [name, m] : old_.macros) {
            auto it = new_.macros.find(name);
            if (it == new_.macros.end() && new_.constants.count(name)) {
                macro_became_constant(*m, *new_.constants.at(name).first, *new_.constants.at(name).second);
                continue;
            }
            auto elsewhere = [&](const Side& s) { return macro_origin(s, name); };
            if (it == new_.macros.end()) {
                if (only_on_one_side(old_, new_, "macro", name, m->origin)) continue;
                if (report_moved_to_arch(name, "", m->origin, elsewhere)) continue;
                if (m->ioctl)
                    add("command-removed", Severity::Incompatible, name, "", number(*m->value), std::nullopt,
                        "ioctl command removed: old binaries still send it", m->origin);
                else if (m->value)
                    add("macro-removed", Severity::Incompatible, name, "", number(*m->value), std::nullopt,
                        "macro removed: programs using it no longer build", m->origin);
                else  // KVM_SET_MEMORY_ALIAS outside x86: sizeof of a struct only x86 had
                    add("macro-removed", Severity::Warning, name, "", std::nullopt, std::nullopt,
                        "macro removed; it did not evaluate here before (" + m->error +
                            "), so no program built for this target could use it",
                        m->origin);
                continue;
            }
            const ir::Macro& n = *it->second;
            report_moved_to_header(name, m->origin, n.origin);
            if (m->value && n.value) {
                if (m->value->bits == n.value->bits) continue;
                if (m->ioctl || n.ioctl)
                    request_changed(*m, n);
                else
                    constant_changed(name, name, *m->value, *n.value, true, n.origin, "macro-value-changed",
                                     "macro changed value: old binaries use the old value");
            } else if (m->value && !n.value) {
                // Its argument struct moved to another architecture's
                // asm/ header, so sizeof() has nothing to measure here.
                if (argument_moved_to_arch(name, n, *m)) continue;
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
// through as merely "new"; so is a flag that moved onto another's bit. What
// the old version already had is left out: the question is what the change
// brings.
void append_lints_of_changed_records(Report& report, const ir::Manifest& old_manifest, const ir::Manifest& new_manifest) {
    static const std::set<std::string> record_kinds = {
        "new-struct", "compatible-extension", "struct-grew", "field-added-in-padding", "reserved-repurposed",
        "field-moved", "field-size-changed", "field-type-changed", "field-renamed", "field-removed", "field-inserted",
        "struct-shrunk", "alignment-changed", "record-kind-changed", "union-member-added", "union-member-grew",
        "struct-renamed", "compat-layout-fixed"};
    // A flag whose value changed onto another flag's bit is an overlap as
    // well. A new constant that shares a value is left alone: that is how
    // the kernel adds an alias (IFLA_DSA_MASTER = IFLA_DSA_CONDUIT).
    std::set<std::pair<std::string, std::string>> moved_flags;  // {enum, constant}
    std::set<std::string> touched;
    for (const auto& f : report.findings) {
        if (record_kinds.count(f.kind)) touched.insert(f.record);
        if (f.kind == "enum-constant-changed" && !f.field.empty()) moved_flags.insert({f.record, f.field});
    }
    if (touched.empty() && moved_flags.empty()) return;
    Report lints = check(new_manifest, {});
    subtract_known(lints, check(old_manifest, {}));
    auto moved_onto = [&](const Finding& lint) {
        if (lint.kind != "flag-bits-overlap") return false;
        const std::string first = lint.message.substr(lint.message.rfind(' ') + 1);  // "uses the same bit as FIRST"
        return moved_flags.count({lint.record, lint.field}) || moved_flags.count({lint.record, first});
    };
    for (auto& lint : lints.findings) {
        std::string owner = lint.record.substr(0, lint.record.find("::"));
        if (touched.count(owner) || moved_onto(lint)) report.findings.push_back(std::move(lint));
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
    std::map<std::string, TargetSides> sides;
    for (const auto& [triple, old_abi] : old_side.manifest->targets) {
        sides[triple].old_side = std::make_unique<Side>(old_side.label, *old_side.manifest, old_abi);
        sides[triple].new_side =
            std::make_unique<Side>(new_side.label, *new_side.manifest, new_side.manifest->targets.at(triple));
    }
    FindingCollector out;
    for (const auto& [triple, s] : sides) TargetDiff(sides, triple, options, out).run();
    Report report = out.take();
    append_lints_of_changed_records(report, *old_side.manifest, *new_side.manifest);
    sort_by_location(report);
    return report;
}

}  // namespace uapikit::analysis
