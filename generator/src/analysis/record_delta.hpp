// The second half of comparing a record before judging it: which member of
// the old layout is which member of the new one. Named members match by
// name (anonymous groups are flattened, so wrapping members in one changes
// nothing); unnamed bitfields match by the bits they occupy, never by type.
#pragma once

#include "analysis/layout_view.hpp"

#include <vector>

namespace uapikit::analysis {

struct MemberPair {
    const Member* old_member;
    const Member* new_member;

    bool moved() const { return old_member->begin != new_member->begin; }
    bool resized() const { return old_member->bits() != new_member->bits(); }
    bool same_place() const { return !moved() && !resized(); }
};

struct RecordDelta {
    RecordDelta(const ir::Record& o, const ir::Record& n, const RecordLookup& old_lookup, const RecordLookup& new_lookup);

    LayoutView old_view;
    LayoutView new_view;
    std::vector<MemberPair> matched;      // old declaration order
    std::vector<const Member*> removed;   // old members with no match
    std::vector<const Member*> added;     // new members with no match

    const ir::Record& old_record() const { return old_view.record(); }
    const ir::Record& new_record() const { return new_view.record(); }
    // The old member matched to a new one, or nullptr.
    const Member* old_of(const Member& new_member) const;
    bool layout_unchanged() const;
};

}  // namespace uapikit::analysis
