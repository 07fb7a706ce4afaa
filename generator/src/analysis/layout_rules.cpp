#include "analysis/layout_rules.hpp"

#include "analysis/name_patterns.hpp"
#include "analysis/uapi_rules.hpp"
#include "analysis/wording.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <tuple>

namespace uapikit::analysis {
namespace {

std::string member_type(const Member& m) {
    const ir::Field& f = *m.field;
    if (f.bit_width) return std::to_string(*f.bit_width) + "-bit bitfield (" + f.type + ")";
    return bytes(f.size) + " (" + f.type + ")";
}

std::string display_name(const Member& m) { return m.unnamed() ? "an unnamed bitfield" : *m.name; }

std::string list(const std::vector<std::string>& names) {
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + names[i];
    return out;
}

class Judge {
public:
    Judge(const RecordDelta& d, const RecordContext& c) : d_(d), c_(c) {
        old_unused_ = d_.old_view.padding();
        old_unused_.add(d_.old_view.spare());
        for (const auto& p : d_.matched) {
            if (p.new_member->unnamed() || p.new_member->reserved) continue;
            if (p.same_place()) kept_data_.add(p.new_member->begin, p.new_member->end);
            if (flexible_conversion(p)) kept_data_.add(p.old_member->begin, p.old_member->end);
        }
    }

    std::vector<Finding> run() {
        kind_changed();
        if (compat_layout_fixed()) return std::move(causes_);
        std::vector<const Member*> added = d_.added;
        std::sort(added.begin(), added.end(), [](const Member* a, const Member* b) { return a->begin < b->begin; });
        for (const Member* a : added) judge_added(*a);
        for (const Member* r : d_.removed) judge_removed(*r);
        for (const MemberPair& p : d_.matched) judge_matched(p);
        for (const MemberPair& p : moves_) judge_moved(p);
        size_changed();
        alignment_changed();
        std::vector<Finding> out = std::move(causes_);
        for (auto& f : moved_) out.push_back(std::move(f));
        for (auto& f : record_level_) out.push_back(std::move(f));
        return out;
    }

private:
    const RecordDelta& d_;
    const RecordContext& c_;
    BitRanges old_unused_;  // old padding, reserved and unnamed bits
    // Data whose old meaning holds: members that kept their place, and the
    // old bytes of an array turned flexible.
    BitRanges kept_data_;

    // A new name for bytes of data that kept their meaning (the padding
    // between them aside), as __struct_group's named view is.
    bool views_kept_data(const Member& a) const {
        if (!kept_data_.overlaps(a.begin, a.end)) return false;
        BitRanges allowed = kept_data_;
        allowed.add(d_.old_view.padding());
        return allowed.covers(a.begin, a.end);
    }
    std::vector<Finding> causes_, moved_, record_level_;
    std::vector<MemberPair> moves_;
    std::set<const Member*> claimed_;  // removed members a rule has explained
    std::set<std::size_t> new_branches_, grown_branches_;  // union branches reported once, by group
    bool broken_ = false;
    // Root causes of moves, in new-offset order: what a moved member was pushed by.
    struct Cause {
        std::uint64_t new_begin;
        std::string what;
    };
    std::vector<Cause> pushes_;

    const ir::Record& old_record() const { return d_.old_record(); }
    const ir::Record& new_record() const { return d_.new_record(); }
    std::uint64_t old_end() const { return 8 * old_record().size; }

    Finding make(std::string kind, Severity s, std::string field, std::optional<std::string> o,
                 std::optional<std::string> n, std::string message, ir::Origin origin) {
        if (s == Severity::Incompatible) broken_ = true;
        return Finding{std::move(kind), s, new_record().name, std::move(field), std::move(o), std::move(n),
                       std::move(message), std::move(origin), {}};
    }
    ir::Origin at(const LayoutView& view, const Member& m) const {
        return origin_of(*view.groups()[m.group].record, *m.field);
    }
    void cause(Finding f) { causes_.push_back(std::move(f)); }

    // The old group that holds what new group `g` holds: the innermost old
    // group of the same kind and start containing the old counterpart of
    // every member matched inside g. nullopt when g is new.
    std::optional<std::size_t> old_group(std::size_t g) const {
        const Group& ng = d_.new_view.groups()[g];
        if (g == 0) return ng.is_union == (old_record().kind == ir::RecordKind::Union) ? std::optional<std::size_t>(0)
                                                                                         : std::nullopt;
        std::vector<const Member*> inside;
        for (const auto& p : d_.matched)
            if (d_.new_view.is_ancestor(g, p.new_member->group)) inside.push_back(p.old_member);
        if (inside.empty()) return std::nullopt;
        const auto& old_groups = d_.old_view.groups();
        for (std::optional<std::size_t> og = inside.front()->group; og; og = old_groups[*og].parent) {
            if (old_groups[*og].is_union != ng.is_union || old_groups[*og].begin != ng.begin) continue;
            if (std::all_of(inside.begin(), inside.end(),
                            [&](const Member* m) { return d_.old_view.is_ancestor(*og, m->group); }))
                return og;
        }
        return std::nullopt;
    }

    // ---- rules ------------------------------------------------------------

    // record-kind-changed: struct <-> union.
    void kind_changed() {
        if (old_record().kind == new_record().kind) return;
        auto word = [](const ir::Record& r) { return r.kind == ir::RecordKind::Union ? "union" : "struct"; };
        bool kept = old_record().size == new_record().size && old_record().align == new_record().align &&
                    std::all_of(d_.matched.begin(), d_.matched.end(), [](const MemberPair& p) { return p.same_place(); }) &&
                    std::all_of(d_.removed.begin(), d_.removed.end(), [](const Member* m) { return m->unnamed() || m->reserved; });
        if (kept && c_.unnamed)
            cause(make("record-kind-changed", Severity::Compatible, "", word(old_record()), word(new_record()),
                       "changed between struct and union; the type has no name in C and every old member keeps its place",
                       new_record().origin));
        else
            cause(make("record-kind-changed", Severity::Incompatible, "", word(old_record()), word(new_record()),
                       kept ? "changed between struct and union: sources that name the type by its tag no longer build"
                            : "changed between struct and union",
                       new_record().origin));
    }

    // compat-layout-fixed: the 32-bit size and offsets now equal the
    // 64-bit ones. When only the 32-bit alignment changed (a plain __u64
    // became __aligned_u64 with the offsets already right), the 64-bit
    // kernel read the same bytes before: nothing was fixed for it, and the
    // alignment change is judged as on any target.
    bool compat_layout_fixed() {
        if (!c_.wide_old || !c_.wide_new) return false;
        if (!same_data_layout(d_.new_view, *c_.wide_new, false) || !same_data_layout(*c_.wide_old, *c_.wide_new)) return false;
        if (same_data_layout(d_.old_view, d_.new_view, false)) return false;
        cause(make("compat-layout-fixed", Severity::Warning, "", std::nullopt, c_.wide_target,
                   "layout now matches " + c_.wide_target +
                       ", where it did not change: a 32-bit process on a 64-bit kernel now passes what the kernel "
                       "reads, but programs built for a 32-bit kernel against the old layout see it move",
                   new_record().origin));
        return true;
    }

    void judge_added(const Member& a) {
        if (a.bits() == 0) {
            // An empty struct member holds no bytes; a new flexible array
            // (rseq's end[]) marks where the struct ends and adds none.
            if (a.field->flexible && !a.unnamed())
                cause(make("flexible-array", Severity::Compatible, *a.name, std::nullopt, describe_offset(a.begin),
                           "new flexible array member: it adds no bytes to the struct", at(d_.new_view, a)));
            return;
        }
        if (a.begin >= old_end() && !a.unnamed()) {
            pushes_.push_back({a.begin, *a.name + " added after the old end"});
            return;  // growth at the tail: judged with the record's size
        }
        if (union_member(a)) return;
        std::uint64_t inside_end = std::min(a.end, old_end());
        if (old_unused_.covers(a.begin, inside_end)) {
            if (a.unnamed()) return;  // bits that stay unused
            std::vector<std::string> reserved;
            BitRanges reserved_bits;
            for (const Member& m : d_.old_view.members())
                if (m.reserved && m.begin < inside_end && a.begin < m.end) {
                    reserved.push_back(*m.name);
                    reserved_bits.add(m.begin, m.end);
                }
            if (a.reserved && reserved_bits.covers(a.begin, inside_end)) {
                // Bytes kept for later under another name (pad[4] split
                // into pad[7] and pad2[3]): nothing is put to use, but a
                // field it pushed is still explained by it.
                pushes_.push_back(took_bytes(a, reserved));
                return;
            }
            if (!reserved.empty() && !a.reserved)
                reserved_repurposed(a, reserved);
            else
                added_in_padding(a);
            return;
        }
        for (const Member* r : d_.removed)
            if (!claimed_.count(r) && r->begin == a.begin && r->end == a.end) {
                claimed_.insert(r);
                renamed(*r, a);
                return;
            }
        std::vector<std::string> over;
        for (const Member& m : d_.old_view.members())
            if (!m.unnamed() && !m.reserved && m.begin < a.end && a.begin < m.end) over.push_back(*m.name);
        cause(make("field-inserted", Severity::Incompatible, display_name(a), std::nullopt, describe_offset(a.begin),
                   "field inserted inside the old layout" + (over.empty() ? std::string() : " over the bytes of " + list(over)),
                   at(d_.new_view, a)));
        pushes_.push_back({a.begin, display_name(a) + " inserted at " + describe_offset(a.begin)});
    }

    // union-member-added / union-member-grew for a member that sits in a
    // union. True when one of them decided.
    bool union_member(const Member& a) {
        auto branch = d_.new_view.branch_of(a);
        if (!branch) return false;
        std::optional<std::size_t> old_branch = branch->group ? old_group(*branch->group) : std::nullopt;
        if (!old_branch) {
            // A new alternative: of an old union, or of a union placed over
            // members that keep their places (the named view __struct_group
            // adds).
            if (!old_group(branch->union_group) && !views_kept_data(a)) return false;
            if (a.unnamed() || (branch->group && !new_branches_.insert(*branch->group).second)) return true;
            cause(make("union-member-added", Severity::Compatible, *a.name, std::nullopt, describe_offset(a.begin),
                       old_group(branch->union_group)
                           ? "new member of a union: the other members keep their places"
                           : "new name for bytes whose members keep their places (a union over them)",
                       at(d_.new_view, a)));
            return true;
        }
        const Group& before = d_.old_view.groups()[*old_branch];
        // Past the branch's old members: its own tail padding, then bytes
        // only other alternatives used.
        std::uint64_t branch_used_end = before.begin;
        for (const Member& m : d_.old_view.members())
            if (d_.old_view.is_ancestor(*old_branch, m.group)) branch_used_end = std::max(branch_used_end, m.end);
        if (a.begin < branch_used_end) return false;
        if (!a.unnamed() && grown_branches_.insert(*branch->group).second)
            union_member_grew(a, d_.new_view.groups()[*branch->group].end - before.end);
        return true;
    }

    // union-member-grew: one alternative of a union grew at its tail.
    void union_member_grew(const Member& m, std::uint64_t grown_bits) {
        std::string grown = bytes(grown_bits / 8);
        if (c_.caller_sized)
            cause(make("union-member-grew", Severity::Compatible, *m.name, std::nullopt, describe_offset(m.begin),
                       "a member of the union grew at its tail by " + grown +
                           ": the kernel takes the length from the caller and zero-extends it",
                       at(d_.new_view, m)));
        else
            cause(make("union-member-grew", Severity::Warning, *m.name, std::nullopt, describe_offset(m.begin),
                       "a member of the union grew at its tail by " + grown +
                           " into bytes only other members used: old callers that filled only this member leave "
                           "them as they were",
                       at(d_.new_view, m)));
    }

    static Cause took_bytes(const Member& a, const std::vector<std::string>& reserved) {
        return {a.begin, *a.name + " took the bytes of " + list(reserved) + " at " + describe_offset(a.begin)};
    }

    void reserved_repurposed(const Member& a, const std::vector<std::string>& reserved) {
        pushes_.push_back(took_bytes(a, reserved));
        cause(make("reserved-repurposed", Severity::Warning, *a.name, list(reserved), *a.name + " at " + describe_offset(a.begin),
                   "takes the bytes of reserved field " + list(reserved) +
                       ": old callers pass 0 there, so this is compatible only if 0 keeps the old behaviour and the "
                       "kernel used to reject non-zero values",
                   at(d_.new_view, a)));
    }

    void added_in_padding(const Member& a) {
        bool in_bitfield = d_.old_view.spare().overlaps(a.begin, a.end);
        cause(make("field-added-in-padding", Severity::Warning, *a.name, std::nullopt, describe_offset(a.begin),
                   std::string(in_bitfield ? "field added in bits that no old field used (an unnamed bitfield)"
                                           : "field added in former implicit padding") +
                       ": old callers may leave garbage there, so this is compatible only if every old caller zeroed "
                       "the whole struct",
                   at(d_.new_view, a)));
    }

    void renamed(const Member& r, const Member& a) {
        if (r.reserved || r.unnamed()) {
            if (a.reserved || a.unnamed()) return;  // one name for unused bytes became another
            if (r.reserved)
                reserved_repurposed(a, {*r.name});
            else
                added_in_padding(a);
            return;
        }
        cause(make("field-renamed", Severity::Warning, *r.name, *r.name, display_name(a),
                   a.reserved || a.unnamed()
                       ? "field retired at the same place: old callers still fill its bytes and the kernel no longer "
                         "reads them, but programs using the old name no longer build"
                       : "field renamed at the same place: the binary layout holds, but programs using the old name no "
                         "longer build",
                   at(d_.new_view, a)));
    }

    void judge_removed(const Member& r) {
        if (claimed_.count(&r) || r.unnamed() || r.reserved) return;  // unused bytes: what takes them is judged
        cause(make("field-removed", Severity::Incompatible, *r.name, member_type(r) + " at " + describe_offset(r.begin),
                   std::nullopt, "field removed: old callers still fill those bytes", new_record().origin));
        pushes_.push_back({r.begin, *r.name + " removed"});
    }

    void judge_matched(const MemberPair& p) {
        const Member &o = *p.old_member, &n = *p.new_member;
        if (p.same_place()) {
            type_changed(p);
            return;
        }
        // A reserved field that shrank or moved within the old unused bytes:
        // what took the rest is reported.
        if (o.reserved && d_.old_view.spare().covers(n.begin, n.end)) return;
        if (p.moved()) {
            moves_.push_back(p);
            // Moved and resized, as a __u32 that became __u64 moves to its
            // 8-byte alignment on x86_64 while i386 keeps its place: the
            // width is a break of its own, and what lies past the member's
            // new end was pushed by it (its own move has other causes).
            if (n.bits() != o.bits() && !n.unnamed() && !o.reserved) member_resized(o, n, n.end);
            return;
        }
        if (flexible_conversion(p)) {
            cause(make("flexible-array", Severity::Compatible, *n.name, member_type(o), member_type(n),
                       "a one-element (or zero-element) array became a flexible array member at the same place, "
                       "and the struct kept its size",
                       at(d_.new_view, n)));
            return;
        }
        if (n.end > o.end) {
            auto branch = d_.new_view.branch_of(n);
            if (branch && !branch->group && !n.unnamed()) {  // an alternative of a union, grown
                union_member_grew(n, n.end - o.end);
                return;
            }
            // The last member, an array, grew with the record: its old
            // elements keep their places. A wider scalar is no such growth:
            // an old caller's value sits in its first bytes, which hold the
            // high half on a big-endian target.
            if (o.end >= old_end() && !n.unnamed() && same_element_type(o, n)) {
                pushes_.push_back({n.begin, *n.name + " grew"});
                return;
            }
        }
        member_resized(o, n, n.begin);
    }

    // field-size-changed; what lies from `pushes_from` on was pushed by it.
    void member_resized(const Member& o, const Member& n, std::uint64_t pushes_from) {
        cause(make("field-size-changed", Severity::Incompatible, display_name(n), member_type(o), member_type(n),
                   "field changed size: old callers pass the old width", at(d_.new_view, n)));
        pushes_.push_back({pushes_from, display_name(n) + " changed size"});
    }

    // Both are arrays of one element type (`__u8[8]` and `__u8[16]`).
    static bool same_element_type(const Member& o, const Member& n) {
        const std::string &a = o.field->canonical_type, &b = n.field->canonical_type;
        const auto i = a.find('['), j = b.find('[');
        return i != std::string::npos && j != std::string::npos && a.compare(0, i, b, 0, j) == 0;
    }

    // flexible-array: `T x[1]` or `T x[0]` became `T x[]` in place (the
    // kernel's move away from fake flexible arrays), the struct's size kept.
    bool flexible_conversion(const MemberPair& p) const {
        const ir::Field &o = *p.old_member->field, &n = *p.new_member->field;
        if (!n.flexible || o.flexible || p.moved() || old_record().size != new_record().size) return false;
        return o.type.ends_with("[1]") || o.type.ends_with("[0]");
    }

    // field-type-changed / field-type-renamed at an unchanged place.
    // The record name a member's type may be ("struct foo[2]" -> foo; a
    // record named by its typedef is spelled with that name alone).
    static std::string record_type(const std::string& canonical) {
        std::string t = canonical.substr(0, canonical.find('['));
        while (!t.empty() && t.back() == ' ') t.pop_back();
        for (const char* prefix : {"struct ", "union "})
            if (t.starts_with(prefix)) return t.substr(std::string_view(prefix).size());
        return t;
    }

    // The type names another record with the same layout: a rename.
    bool same_record_renamed(const ir::Field& o, const ir::Field& n) const {
        if (!c_.old_records || !c_.new_records) return false;
        std::string a = record_type(o.canonical_type), b = record_type(n.canonical_type);
        if (a.empty() || b.empty()) return false;
        const ir::Record *x = c_.old_records(a), *y = c_.new_records(b);
        return x && y && same_layout(*x, *y);
    }

    // The same record, now declared with the other keyword (struct x ->
    // union x, named or not): the record's own diff judges that change
    // (record-kind-changed), so the member does not report it again.
    static bool only_record_kind_differs(const std::string& a, const std::string& b) {
        auto tag = [](std::string_view t) {
            for (std::string_view prefix : {"struct ", "union "})
                if (t.starts_with(prefix)) return t.substr(prefix.size());
            return std::string_view{};
        };
        return a != b && !tag(a).empty() && tag(a) == tag(b);
    }

    void type_changed(const MemberPair& p) {
        const ir::Field &o = *p.old_member->field, &n = *p.new_member->field;
        if (only_record_kind_differs(o.canonical_type, n.canonical_type)) return;
        if (o.canonical_type != n.canonical_type && same_record_renamed(o, n))
            cause(make("field-type-renamed", Severity::Compatible, display_name(*p.new_member), o.canonical_type,
                       n.canonical_type, "the member's struct was renamed with the same layout",
                       at(d_.new_view, *p.new_member)));
        else if (flexible_conversion(p))
            cause(make("flexible-array", Severity::Compatible, *p.new_member->name, o.type, n.type,
                       "a zero-element array became a flexible array member at the same place", at(d_.new_view, *p.new_member)));
        else if (o.canonical_type != n.canonical_type && !p.new_member->reserved)
            cause(make("field-type-changed", Severity::Warning, display_name(*p.new_member), o.canonical_type,
                       n.canonical_type,
                       "field type changed at the same size: the bytes are read with a new meaning (e.g. signedness)",
                       at(d_.new_view, *p.new_member)));
        else if (o.type != n.type && o.canonical_type == n.canonical_type)
            cause(make("field-type-renamed", Severity::Compatible, display_name(*p.new_member), o.type, n.type,
                       "field type spelled differently, same underlying type and layout", at(d_.new_view, *p.new_member)));
    }

    void judge_moved(const MemberPair& p) {
        const Member& n = *p.new_member;
        const Cause* by = nullptr;
        for (const Cause& c : pushes_)
            if (c.new_begin <= n.begin) by = &c;
        moved_.push_back(make("field-moved", Severity::Incompatible, display_name(n), describe_offset(p.old_member->begin),
                              describe_offset(n.begin),
                              "field moved: callers built against the old layout read and write it at the old place" +
                                  (by ? " (pushed: " + by->what + ")" : std::string()),
                              at(d_.new_view, n)));
    }

    // struct-shrunk, compatible-extension, struct-grew.
    void size_changed() {
        const ir::Record &o = old_record(), &n = new_record();
        if (n.size < o.size) {
            record_level_.push_back(make("struct-shrunk", Severity::Incompatible, "", bytes(o.size), bytes(n.size),
                                         "struct shrunk: old callers pass more than the kernel knows", n.origin));
            return;
        }
        if (n.size == o.size) return;
        // The first member past the old end names the growth and gives its
        // place; without one (a last array that grew), the struct does.
        const Member* first = nullptr;
        for (const Member* a : d_.added)
            if (a->begin >= old_end() && !a->unnamed() && !first) first = a;
        const std::string field = first ? *first->name : std::string();
        const ir::Origin where = first ? at(d_.new_view, *first) : n.origin;
        if (!broken_ && c_.caller_sized)
            record_level_.push_back(make("compatible-extension", Severity::Compatible, field, bytes(o.size), bytes(n.size),
                                         "grew after its last field: old callers pass the old size and the kernel "
                                         "zero-extends them (size-field convention)",
                                         where));
        else
            record_level_.push_back(make("struct-grew", Severity::Warning, field, bytes(o.size), bytes(n.size),
                                         broken_ ? "grew, and its old part changed too (its other findings say how)"
                                                 : "grew: compatible only where the kernel takes the length from the "
                                                   "caller and zero-extends; arrays of it and structs embedding it "
                                                   "change layout",
                                         where));
    }

    // alignment-changed: incompatible when the layout also broke or a
    // scanned record embeds this one; a warning otherwise.
    void alignment_changed() {
        const ir::Record &o = old_record(), &n = new_record();
        if (o.align == n.align) return;
        std::string from = "align " + std::to_string(o.align), to = "align " + std::to_string(n.align);
        if (broken_)
            record_level_.push_back(make("alignment-changed", Severity::Incompatible, "", from, to,
                                         "alignment changed along with the layout", n.origin));
        else if (!c_.embedded_in.empty())
            record_level_.push_back(make("alignment-changed", Severity::Incompatible, "", from, to,
                                         "alignment changed, and " + list(c_.embedded_in) +
                                             " hold it by value or as array elements: their layout changes with it",
                                         n.origin));
        else
            record_level_.push_back(make("alignment-changed", Severity::Warning, "", from, to,
                                         "alignment changed with every offset in place: no scanned record that "
                                         "holds it by value changes layout with it, but structs elsewhere that "
                                         "embed it may",
                                         n.origin));
    }
};

}  // namespace

ir::Origin origin_of(const ir::Record& record, const ir::Field& field) {
    if (!field.line) return record.origin;
    return {field.file.empty() ? record.origin.file : field.file, field.line, field.column};
}

bool same_layout(const ir::Record& a, const ir::Record& b) {
    if (a.size != b.size || a.align != b.align || a.kind != b.kind || a.fields.size() != b.fields.size()) return false;
    for (std::size_t i = 0; i < a.fields.size(); ++i) {
        const ir::Field &x = a.fields[i], &y = b.fields[i];
        if (x.name != y.name || x.offset_bits != y.offset_bits || x.size != y.size || x.bit_width != y.bit_width ||
            x.flexible != y.flexible)
            return false;
    }
    return true;
}

bool same_data_layout(const LayoutView& a, const LayoutView& b, bool with_align) {
    const ir::Record &x = a.record(), &y = b.record();
    if (x.size != y.size || (with_align && x.align != y.align) || x.kind != y.kind) return false;
    auto data = [](const LayoutView& v) {
        std::vector<std::tuple<std::string, std::uint64_t, std::uint64_t>> out;
        for (const Member& m : v.members())
            if (!m.unnamed() && !m.reserved) out.emplace_back(*m.name, m.begin, m.end);
        std::sort(out.begin(), out.end());
        return out;
    };
    return data(a) == data(b);
}

bool takes_length_from_caller(const ir::Record& record) {
    if (!record.fields.empty()) {
        const ir::Field& first = record.fields.front();
        if ((first.name == "size" || first.name == "argsz") && first.offset_bits == 0 && first.size == 4 && !first.bit_width)
            return true;
    }
    return matches(caller_sized_records(), record.name);
}

std::vector<Finding> judge_record(const RecordDelta& delta, const RecordContext& context) {
    return Judge(delta, context).run();
}

}  // namespace uapikit::analysis
