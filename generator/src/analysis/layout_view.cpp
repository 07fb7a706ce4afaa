#include "analysis/layout_view.hpp"

#include "analysis/name_patterns.hpp"

namespace uapikit::analysis {
namespace {

// "struct demo::@union(a)" -> "demo::@union(a)".
std::string record_name_of(const std::string& type) {
    for (const char* prefix : {"struct ", "union "})
        if (type.starts_with(prefix)) return type.substr(std::string_view(prefix).size());
    return type;
}

std::uint64_t width_bits(const ir::Field& f) { return f.bit_width ? *f.bit_width : 8 * f.size; }

}  // namespace

bool is_reserved_member(const ir::Field& f) { return !f.name.empty() && matches(reserved_field_patterns(), f.name); }

LayoutView::LayoutView(const ir::Record& record, const RecordLookup& lookup) : record_(&record) {
    groups_.push_back({&record, nullptr, record.kind == ir::RecordKind::Union, 0, 8 * record.size, std::nullopt});
    flatten(record, 0, 0, lookup, 0);
    for (const Member& m : members_) {
        if (m.unnamed() || m.reserved)
            spare_.add(m.begin, m.end);
        else
            used_.add(m.begin, m.end);
    }
    BitRanges covered = used_;
    covered.add(spare_);
    padding_ = covered.gaps(0, 8 * record.size);
}

void LayoutView::flatten(const ir::Record& r, std::uint64_t base, std::size_t group, const RecordLookup& lookup,
                         int depth) {
    for (const ir::Field& f : r.fields) {
        std::uint64_t begin = base + f.offset_bits;
        if (f.anonymous && depth < 64) {
            if (const ir::Record* inner = lookup(record_name_of(f.type))) {
                groups_.push_back({inner, &f, inner->kind == ir::RecordKind::Union, begin, begin + 8 * inner->size, group});
                flatten(*inner, begin, groups_.size() - 1, lookup, depth + 1);
                continue;
            }
        }
        members_.push_back({&f, &f.name, begin, begin + (f.flexible ? 0 : width_bits(f)), group, is_reserved_member(f)});
    }
}

const Member* LayoutView::named(const std::string& name) const {
    for (const Member& m : members_)
        if (*m.name == name) return &m;
    return nullptr;
}

bool LayoutView::is_ancestor(std::size_t group, std::size_t of) const {
    for (std::optional<std::size_t> g = of; g; g = groups_[*g].parent)
        if (*g == group) return true;
    return false;
}

std::optional<LayoutView::Branch> LayoutView::branch_of(const Member& m) const {
    std::optional<std::size_t> below;  // the group just under the one looked at
    for (std::optional<std::size_t> g = m.group; g; below = g, g = groups_[*g].parent) {
        if (!groups_[*g].is_union) continue;
        if (below) return Branch{*g, below, groups_[*below].begin, groups_[*below].end};
        return Branch{*g, std::nullopt, m.begin, m.end};
    }
    return std::nullopt;
}

}  // namespace uapikit::analysis
