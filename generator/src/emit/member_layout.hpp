// Which layout attributes a C++ definition needs so that C++ places every
// member where C did, on every target it is written for.
//
// The manifest has the compiler's answer (offsets, sizes, alignments), not
// the attributes that produced it. Given the alignment C++ will give each
// member's type, the offsets tell where an attribute is needed: a member
// further out than its natural alignment needs `aligned(N)`, one closer in
// needs `packed` (on the member, or on the record when all are), a record
// more aligned than its members needs `aligned(N)`. The smallest set that
// reproduces every offset, size and alignment on all the given targets is
// chosen; the generated static_asserts then hold the result to the manifest.
// Where a record is more aligned than its members would make it, the
// alignment goes on the members of that width when that is enough (the
// kernel's __aligned_u64), else on the record.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace uapikit::emit {

struct MemberAttributes {
    bool packed = false;
    std::uint64_t aligned = 0;  // 0: none
};

struct RecordAttributes {
    bool packed = false;
    std::uint64_t aligned = 0;
};

// A member as one target lays it out.
struct PlacedMember {
    bool bitfield = false;
    bool named = true;            // unnamed bitfields do not align the record
    std::uint64_t offset_bits = 0;
    std::uint64_t width_bits = 0;  // bitfields
    std::uint64_t size = 0;        // bytes; 0 for flexible arrays
    std::uint64_t element = 0;     // bytes of one array element (size for non-arrays)
    std::uint64_t natural = 1;     // alignment C++ gives the member's type
};

struct PlacedRecord {
    bool is_union = false;
    std::uint64_t size = 0;
    std::uint64_t align = 1;
    std::vector<PlacedMember> members;
};

struct Layout {
    RecordAttributes record;
    std::vector<MemberAttributes> members;  // one per member, bitfields get none
};

// Attributes that reproduce every target's layout with one definition, or
// nullopt when no single set does. All records have the same member count.
std::optional<Layout> infer_layout(const std::vector<PlacedRecord>& targets);

}  // namespace uapikit::emit
