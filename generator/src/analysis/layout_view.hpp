// What each bit of one record belongs to, on one target: the first half of
// diff, before anything is judged.
//
// The members of an anonymous struct or union are members of the record
// that holds it, as in C, so the view flattens them: a field wrapped into
// an anonymous struct (the kernel's __struct_group) keeps its name and its
// bits. Each member remembers the chain of anonymous groups it sits in, so
// rules can ask whether two members are alternatives of one union.
// Unnamed bitfields (`int :32;`) are members without a name, known by
// where they sit. What no member covers is padding.
#pragma once

#include "analysis/bit_ranges.hpp"
#include "ir/abi.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace uapikit::analysis {

// The record itself (groups[0]) or one of its anonymous struct/union members.
struct Group {
    const ir::Record* record = nullptr;
    const ir::Field* member = nullptr;  // the anonymous member; nullptr for groups[0]
    bool is_union = false;
    std::uint64_t begin = 0;  // bits from the start of the outermost record
    std::uint64_t end = 0;
    std::optional<std::size_t> parent;
};

struct Member {
    const ir::Field* field = nullptr;
    const std::string* name = nullptr;  // the field's name; "" for an unnamed bitfield
    std::uint64_t begin = 0;            // bits from the start of the outermost record
    std::uint64_t end = 0;              // == begin for a flexible array
    std::size_t group = 0;              // innermost enclosing group
    bool reserved = false;              // a name kept for later use (name_patterns.hpp)

    bool unnamed() const { return name->empty(); }
    std::uint64_t bits() const { return end - begin; }
};

// Finds a record of the same manifest and target by name.
using RecordLookup = std::function<const ir::Record*(const std::string&)>;

class LayoutView {
public:
    LayoutView(const ir::Record& record, const RecordLookup& lookup);

    const ir::Record& record() const { return *record_; }
    const std::vector<Group>& groups() const { return groups_; }
    const std::vector<Member>& members() const { return members_; }  // declaration order

    const Member* named(const std::string& name) const;

    // Bits of [0, 8 * size) that no member covers: implicit padding,
    // including the unused bits of a bitfield's storage unit.
    const BitRanges& padding() const { return padding_; }
    // Bits of unnamed bitfields and of reserved members: held, but not used.
    const BitRanges& spare() const { return spare_; }
    // Bits of members that carry data.
    const BitRanges& used() const { return used_; }

    // One alternative of a union: the anonymous struct directly under the
    // union that leads to a member, or the member itself when it sits in
    // the union directly.
    struct Branch {
        std::size_t union_group = 0;
        std::optional<std::size_t> group;  // nullopt: the member is the branch
        std::uint64_t begin = 0;
        std::uint64_t end = 0;
    };
    // The branch of the innermost union holding the member (groups[0] when
    // the record is a union); nullopt when no union holds it.
    std::optional<Branch> branch_of(const Member& m) const;
    bool is_ancestor(std::size_t group, std::size_t of) const;

private:
    void flatten(const ir::Record& r, std::uint64_t base, std::size_t group, const RecordLookup& lookup, int depth);

    const ir::Record* record_;
    std::vector<Group> groups_;
    std::vector<Member> members_;
    BitRanges padding_, spare_, used_;
};

// True when the field's name marks bytes kept for later use.
bool is_reserved_member(const ir::Field& f);

}  // namespace uapikit::analysis
