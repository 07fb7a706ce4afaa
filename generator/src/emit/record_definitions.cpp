#include "emit/record_definitions.hpp"

#include "emit/data_model.hpp"
#include "emit/member_layout.hpp"
#include "emit/type_spelling.hpp"
#include "ir/lookup.hpp"
#include "scan/targets.hpp"
#include "util/errors.hpp"

#include <algorithm>

namespace uapikit::emit {
namespace {

using ir::find_record;

std::string keyword(const ir::Record& r) { return r.kind == ir::RecordKind::Union ? "union" : "struct"; }

std::string record_attributes(const RecordAttributes& a) {
    std::string out;
    if (a.packed) out += "[[gnu::packed]] ";
    if (a.aligned) out += "alignas(" + std::to_string(a.aligned) + ") ";
    return out;
}

// C++ accepts `alignas` only to raise an alignment; anything else, and any
// attribute under packing, is GNU's `aligned`, which means what it means in C.
std::string member_attributes(const MemberAttributes& a, bool record_packed, std::uint64_t max_natural) {
    if (a.packed) return "[[gnu::packed" + (a.aligned ? ", gnu::aligned(" + std::to_string(a.aligned) + ")" : std::string()) + "]] ";
    if (!a.aligned) return "";
    if (!record_packed && a.aligned >= max_natural) return "alignas(" + std::to_string(a.aligned) + ") ";
    return "[[gnu::aligned(" + std::to_string(a.aligned) + ")]] ";
}

std::string integer_of_size(const std::string& canonical, std::uint64_t size) {
    bool is_signed = canonical.find("unsigned") == std::string::npos && canonical != "_Bool";
    return (is_signed ? "int" : "uint") + std::to_string(size * 8) + "_t";
}

// The C++ underlying type of an emitted enum.
std::string underlying_integer(const ir::Enum& e, const std::string& triple) {
    auto layout = scalar_layout(triple, e.underlying);
    return layout ? integer_of_size(e.underlying, layout->size) : "";
}

// One piece of a record body: a field, or a hole made explicit.
struct Item {
    const ir::Field* field = nullptr;  // of the first view; nullptr for padding
    std::size_t index = 0;             // field index
    ir::Hole hole{};
};

}  // namespace

std::string per_target_text(const std::map<std::string, std::string>& text_by_triple, std::size_t all_targets) {
    // Groups in the order of the targets table, for a stable file.
    std::vector<std::pair<std::string, std::vector<std::string>>> groups;
    for (const auto& t : scan::supported_targets()) {
        auto it = text_by_triple.find(std::string(t.triple));
        if (it == text_by_triple.end()) continue;
        auto g = std::find_if(groups.begin(), groups.end(), [&](const auto& p) { return p.first == it->second; });
        if (g == groups.end()) groups.push_back({it->second, {std::string(t.triple)}});
        else g->second.push_back(std::string(t.triple));
    }
    if (groups.size() == 1 && groups.front().second.size() == all_targets) return groups.front().first;
    std::string out;
    const char* word = "#if ";
    for (const auto& [text, triples] : groups) {
        std::string condition, names;
        for (const auto& triple : triples) {
            condition += (condition.empty() ? "(" : " || (") + std::string(scan::find_target(triple)->predefined_test) + ")";
            names += (names.empty() ? "" : ", ") + triple;
        }
        out += word + condition + "  // " + names + "\n" + text;
        word = "#elif ";
    }
    return out + "#endif\n\n";
}

RecordDefinitions::RecordDefinitions(const ir::Manifest& manifest, OriginFilter wanted)
    : manifest_(manifest), wanted_(std::move(wanted)) {
    for (const auto& [triple, abi] : manifest.targets)
        for (const auto& r : abi.records) {
            auto& views = views_[r.name];
            if (views.empty()) order_.push_back(r.name);
            views.push_back({triple, &abi, &r});
            for (const auto& f : r.fields) {
                std::string why;
                if (auto t = field_type(f, abi, why); t && t->kind == FieldType::Kind::Record) embedded_.insert(t->record);
            }
        }
}

void RecordDefinitions::unsupported(const View& view, const ir::Field* field, const std::string& why) const {
    const ir::Origin& o = view.record->origin;
    std::string what = view.record->name + (field ? "." + (field->name.empty() ? std::string("<anonymous>") : field->name) : "");
    throw InputError(o.file + ":" + std::to_string(o.line) + ":" + std::to_string(o.column) + ": error: emit: " + what +
                     ": " + why + " (" + view.triple + ")");
}

std::set<std::string> RecordDefinitions::dependencies(const std::vector<View>& views) const {
    std::set<std::string> out;
    for (const auto& v : views)
        for (const auto& f : v.record->fields) {
            std::string why;
            auto t = field_type(f, *v.abi, why);
            if (!t || t->kind != FieldType::Kind::Record) continue;
            if (!t->spelled.empty()) {
                out.insert(t->record);
            } else if (const ir::Record* inner = find_record(*v.abi, t->record)) {
                auto nested = dependencies({{v.triple, v.abi, inner}});
                out.insert(nested.begin(), nested.end());
            }
        }
    return out;
}

void RecordDefinitions::add_enum_uses(const std::vector<View>& views) {
    for (const auto& v : views)
        for (const auto& f : v.record->fields) {
            std::string why;
            auto t = field_type(f, *v.abi, why);
            if (!t) continue;
            if (t->kind == FieldType::Kind::Enum) used_enums_.insert(t->enum_name);
            if (t->kind == FieldType::Kind::Record && t->spelled.empty())
                if (const ir::Record* inner = find_record(*v.abi, t->record)) add_enum_uses({{v.triple, v.abi, inner}});
        }
}

std::string RecordDefinitions::enums() {
    // Records decide which enums their fields need, so they are laid out first.
    if (done_.empty()) records();
    std::vector<std::string> order;
    std::map<std::string, std::map<std::string, std::string>> texts;
    for (const auto& [triple, abi] : manifest_.targets)
        for (const auto& e : abi.enums) {
            if (!wanted_(e.origin) && !used_enums_.count(e.name)) continue;
            std::string underlying = underlying_integer(e, triple);
            if (underlying.empty())
                throw InputError(e.origin.file + ":" + std::to_string(e.origin.line) + ":" + std::to_string(e.origin.column) +
                                 ": error: emit: " + e.name + ": underlying type '" + e.underlying + "' (" + triple + ")");
            std::string name = e.name.rfind('@', 0) == 0 ? "" : e.name + " ";
            std::string text = "enum " + name + ": " + underlying + " {\n";
            for (const auto& c : e.constants) {
                text += "    " + c.name + " = " + integer_literal(c.value) + ",\n";
                constants_.insert(c.name);
            }
            text += "};\n\n";
            if (!texts.count(e.name)) order.push_back(e.name);
            texts[e.name][triple] = text;
        }
    std::string out;
    for (const auto& name : order) out += per_target_text(texts[name], manifest_.targets.size());
    return out;
}

std::string RecordDefinitions::records() {
    if (!done_.empty()) return out_;
    // The first pass finds the packed records; the second writes.
    for (bool first : {true, false}) {
        first_pass_ = first;
        done_.clear();
        out_.clear();
        for (const auto& name : order_) {
            const auto& views = views_.at(name);
            bool in_scope = std::any_of(views.begin(), views.end(), [&](const View& v) { return wanted_(v.record->origin); });
            if (in_scope && nameable(name)) define(name);
        }
        if (first) collect_pod_closure();
    }
    done_.insert("");  // laid out, even when nothing was wanted
    return out_;
}

std::set<std::string> RecordDefinitions::held_records(const std::string& name) const {
    std::set<std::string> out;
    auto it = views_.find(name);
    if (it == views_.end()) return out;
    for (const auto& v : it->second)
        for (const auto& f : v.record->fields) {
            std::string why;
            if (auto t = field_type(f, *v.abi, why); t && t->kind == FieldType::Kind::Record) out.insert(t->record);
        }
    return out;
}

void RecordDefinitions::collect_pod_closure() {
    std::vector<std::string> work(pod_.begin(), pod_.end());
    while (!work.empty()) {
        std::string name = work.back();
        work.pop_back();
        for (const auto& held : held_records(name))
            if (pod_.insert(held).second) work.push_back(held);
    }
}

void RecordDefinitions::define(const std::string& name) {
    if (!done_.insert(name).second) return;
    const auto& views = views_.at(name);
    for (const auto& dep : dependencies(views))
        if (views_.count(dep) && nameable(dep)) define(dep);
    add_enum_uses(views);
    std::map<std::string, std::string> texts;
    bool joint = true;
    const bool initialise = !pod_.count(name);
    std::string text = render(views, "", initialise, joint);
    if (joint) {
        for (const auto& v : views) texts[v.triple] = text;
    } else {
        // No one definition fits every target: one per target, grouped where equal.
        for (const auto& v : views) {
            bool single = true;
            texts[v.triple] = render({v}, "", initialise, single);
        }
    }
    out_ += per_target_text(texts, manifest_.targets.size());
}

std::string RecordDefinitions::render(const std::vector<View>& views, const std::string& indent, bool initialise, bool& joint) {
    const ir::Record& r = *views.front().record;
    std::string attributes;
    std::string inner = body(views, indent + "    ", initialise, joint);
    if (!joint) return "";
    // body() leaves the record's attributes at the front, after a marker.
    auto mark = inner.find('\x1f');
    attributes = inner.substr(0, mark);
    inner = inner.substr(mark + 1);
    return indent + keyword(r) + " " + attributes + r.name + " {\n" + inner + indent + "};\n\n";
}

std::string RecordDefinitions::body(const std::vector<View>& views, const std::string& indent, bool initialise, bool& joint) {
    const ir::Record& first = *views.front().record;
    const bool single = views.size() == 1;
    const bool is_union = first.kind == ir::RecordKind::Union;
    auto give_up = [&](const ir::Field* field, const std::string& why) -> std::string {
        if (single) unsupported(views.front(), field, why);
        joint = false;
        return "";
    };
    std::vector<std::string> triples;
    for (const auto& v : views) {
        triples.push_back(v.triple);
        if (v.record->fields.size() != first.fields.size() || v.record->kind != first.kind) return give_up(nullptr, "fields differ");
    }

    // Field types, one spelling for all views.
    std::vector<std::vector<FieldType>> types(first.fields.size());
    std::vector<std::string> spelled(first.fields.size());
    for (std::size_t i = 0; i < first.fields.size(); ++i) {
        const ir::Field& f0 = first.fields[i];
        for (const auto& v : views) {
            const ir::Field& f = v.record->fields[i];
            if (f.name != f0.name || f.bit_width != f0.bit_width || f.flexible != f0.flexible || f.anonymous != f0.anonymous)
                return give_up(&f0, "fields differ");
            std::string why;
            auto t = field_type(f, *v.abi, why);
            if (!t) {
                if (single) unsupported(v, &f, why);
                return give_up(&f, why);
            }
            const FieldType& t0 = types[i].empty() ? *t : types[i].front();
            if (t->kind != t0.kind || t->record != t0.record || t->dims != t0.dims) return give_up(&f0, "types differ");
            types[i].push_back(*t);
        }
        auto joint_type = joint_spelling(types[i], triples);
        if (!joint_type) return give_up(&f0, "no one spelling");
        spelled[i] = *joint_type;
    }

    // Holes every view has at the same place become named padding, except
    // after a flexible array (nothing may follow it) and before a bitfield
    // (the padding would end the bitfield's storage unit early).
    std::vector<ir::Hole> holes;
    if (!is_union)
        for (const auto& h : first.holes) {
            bool everywhere = std::all_of(views.begin(), views.end(), [&](const View& v) {
                return std::find(v.record->holes.begin(), v.record->holes.end(), h) != v.record->holes.end();
            });
            bool after_flexible = std::any_of(first.fields.begin(), first.fields.end(), [&](const ir::Field& f) {
                return f.flexible && f.offset_bits <= h.offset * 8;
            });
            auto next = std::find_if(first.fields.begin(), first.fields.end(),
                                     [&](const ir::Field& f) { return f.offset_bits >= h.offset * 8; });
            bool before_bitfield = next != first.fields.end() && next->bit_width;
            if (everywhere && !after_flexible && !before_bitfield) holes.push_back(h);
        }
    std::vector<Item> items;
    std::size_t next_hole = 0;
    for (std::size_t i = 0; i < first.fields.size(); ++i) {
        while (next_hole < holes.size() && holes[next_hole].offset * 8 < first.fields[i].offset_bits)
            items.push_back({nullptr, 0, holes[next_hole++]});
        items.push_back({&first.fields[i], i, {}});
    }
    while (next_hole < holes.size()) items.push_back({nullptr, 0, holes[next_hole++]});

    // Where each view puts each item, and the attributes that reproduce it.
    std::vector<PlacedRecord> placed;
    std::vector<std::uint64_t> max_natural(items.size(), 1);
    for (std::size_t v = 0; v < views.size(); ++v) {
        PlacedRecord p{is_union, views[v].record->size, views[v].record->align, {}};
        for (std::size_t k = 0; k < items.size(); ++k) {
            const Item& it = items[k];
            PlacedMember m;
            if (!it.field) {
                m.offset_bits = it.hole.offset * 8;
                m.size = it.hole.size;
            } else {
                const ir::Field& f = views[v].record->fields[it.index];
                auto natural = natural_align(types[it.index][v], *views[v].abi);
                if (!natural) return give_up(&f, "alignment of its type is unknown");
                m.bitfield = f.bit_width.has_value();
                m.named = !f.name.empty();
                m.offset_bits = f.offset_bits;
                m.width_bits = f.bit_width.value_or(0);
                m.size = f.flexible ? 0 : f.size;
                m.element = types[it.index][v].count ? f.size / types[it.index][v].count : f.size;
                m.natural = *natural;
                max_natural[k] = std::max(max_natural[k], *natural);
            }
            p.members.push_back(m);
        }
        placed.push_back(std::move(p));
    }
    auto layout = infer_layout(placed);
    if (!layout) return give_up(nullptr, "no set of packed/aligned attributes gives its layout");
    // An anonymous struct (a GNU extension in C++) may hold only members
    // whose types have trivial constructors, like a packed record.
    auto last_part = first.name.substr(first.name.rfind("::") == std::string::npos ? 0 : first.name.rfind("::") + 2);
    const bool anonymous_struct = !is_union && last_part.rfind("@struct", 0) == 0;
    if (first_pass_) {
        if (layout->record.packed) pod_.insert(first.name);
        for (std::size_t k = 0; k < items.size(); ++k)
            if (items[k].field && types[items[k].index].front().kind == FieldType::Kind::Record &&
                (layout->record.packed || layout->members[k].packed || anonymous_struct))
                pod_.insert(types[items[k].index].front().record);
    }
    if (first.fields.empty())  // C's empty struct has size 0; C++'s only with a zero-length member
        return record_attributes(layout->record) + '\x1f' + indent + "uint8_t uapikit_empty[0];\n";

    // A union starts zeroed through its largest member.
    std::size_t zeroed = first.fields.size();
    if (is_union && initialise)
        for (std::size_t i = 0; i < first.fields.size(); ++i)
            if (zeroed == first.fields.size() || first.fields[i].size > first.fields[zeroed].size) zeroed = i;

    std::string text = record_attributes(layout->record) + '\x1f';
    for (std::size_t k = 0; k < items.size(); ++k) {
        const Item& it = items[k];
        if (!it.field) {
            text += indent + "::uapikit::padding<" + std::to_string(it.hole.size) + "> uapikit_padding_at_" +
                    std::to_string(it.hole.offset) + (initialise ? "{}" : "") + ";  // implicit in C: named so it can be zeroed\n";
            continue;
        }
        std::string attributes = member_attributes(layout->members[k], layout->record.packed, max_natural[k]);
        bool init = is_union ? it.index == zeroed : initialise;
        text += member_text(views, it.index, spelled[it.index], attributes, indent, init, it.index + 1 == first.fields.size(), joint);
        if (!joint) return "";
    }
    return text;
}

std::string RecordDefinitions::member_text(const std::vector<View>& views, std::size_t index, const std::string& spelled,
                                           const std::string& attributes, const std::string& indent, bool initialise,
                                           bool last, bool& joint) {
    const View& v0 = views.front();
    const ir::Record& owner = *v0.record;
    const ir::Field& f = owner.fields[index];
    std::string why;
    FieldType type = *field_type(f, *v0.abi, why);
    std::string dims;
    for (const auto& d : type.dims) dims += d;
    std::string name = member_name(f.name, nameable(owner.name) ? owner.name : "");

    if (f.bit_width) {
        // g++ warns, with no option to silence it, when a bitfield cannot hold
        // every value of its enum; the enum's underlying type lays out the same.
        std::string bit_type = spelled;
        if (type.kind == FieldType::Kind::Enum)
            for (const auto& e : v0.abi->enums)
                if (e.name == type.enum_name) bit_type = underlying_integer(e, v0.triple);
        if (f.name.empty()) return indent + bit_type + " : " + std::to_string(*f.bit_width) + ";\n";
        return indent + bit_type + " " + name + " : " + std::to_string(*f.bit_width) + (initialise ? " {}" : "") + ";\n";
    }
    if (f.flexible) {
        // C++ takes `[]` only as the last member of a struct that has others
        // and that no other record holds; elsewhere GNU's `[0]` has the same
        // layout.
        bool plain = owner.kind == ir::RecordKind::Struct && last && owner.fields.size() > 1 && nameable(owner.name) &&
                     !embedded_.count(owner.name);
        dims = plain ? "[]" : "[0]";
    }
    bool zero_size = type.count == 0;
    if (type.kind == FieldType::Kind::Record && spelled.empty()) {
        std::vector<View> inner;
        for (const auto& v : views) {
            const ir::Record* r = find_record(*v.abi, type.record);
            if (!r) {
                if (views.size() == 1) unsupported(v, &f, "refers to a record the manifest does not describe");
                joint = false;
                return "";
            }
            inner.push_back({v.triple, v.abi, r});
        }
        // An anonymous member zeroes itself (a union through its largest
        // member); a named one is zeroed by its own `{}`.
        std::string body_text = body(inner, indent + "    ", f.name.empty() && initialise && !pod_.count(type.record), joint);
        if (!joint) return "";
        auto mark = body_text.find('\x1f');
        std::string text = indent + attributes + keyword(*inner.front().record) + " " + body_text.substr(0, mark) + "{\n" +
                           body_text.substr(mark + 1) + indent + "}";
        if (!f.name.empty()) text += " " + name + dims + (initialise && !zero_size ? "{}" : "");
        return text + ";\n";
    }
    return indent + attributes + spelled + " " + name + dims + (initialise && !zero_size ? "{}" : "") + ";\n";
}

}  // namespace uapikit::emit
