#include "analysis/record_delta.hpp"

#include <map>
#include <set>
#include <utility>

namespace uapikit::analysis {

RecordDelta::RecordDelta(const ir::Record& o, const ir::Record& n, const RecordLookup& old_lookup,
                         const RecordLookup& new_lookup)
    : old_view(o, old_lookup), new_view(n, new_lookup) {
    std::map<std::string_view, const Member*> new_named;
    std::map<std::pair<std::uint64_t, std::uint64_t>, const Member*> new_unnamed;
    for (const Member& m : new_view.members()) {
        if (m.unnamed())
            new_unnamed.emplace(std::pair{m.begin, m.end}, &m);
        else
            new_named.emplace(*m.name, &m);
    }
    std::set<const Member*> taken;
    for (const Member& m : old_view.members()) {
        const Member* match = nullptr;
        if (m.unnamed()) {
            if (auto it = new_unnamed.find({m.begin, m.end}); it != new_unnamed.end()) match = it->second;
        } else if (auto it = new_named.find(*m.name); it != new_named.end()) {
            match = it->second;
        }
        if (match && taken.insert(match).second)
            matched.push_back({&m, match});
        else
            removed.push_back(&m);
    }
    for (const Member& m : new_view.members())
        if (!taken.count(&m)) added.push_back(&m);
}

const Member* RecordDelta::old_of(const Member& new_member) const {
    for (const auto& p : matched)
        if (p.new_member == &new_member) return p.old_member;
    return nullptr;
}

bool RecordDelta::layout_unchanged() const {
    if (!removed.empty() || !added.empty()) return false;
    const ir::Record &o = old_record(), &n = new_record();
    if (o.size != n.size || o.align != n.align || o.kind != n.kind) return false;
    for (const auto& p : matched)
        if (!p.same_place() || p.old_member->field->canonical_type != p.new_member->field->canonical_type ||
            p.old_member->field->type != p.new_member->field->type)
            return false;
    return true;
}

}  // namespace uapikit::analysis
