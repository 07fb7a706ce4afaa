#include "emit/member_layout.hpp"

#include <algorithm>

namespace uapikit::emit {
namespace {

std::uint64_t round_up(std::uint64_t value, std::uint64_t align) { return align ? (value + align - 1) / align * align : value; }

// The alignment a member gets in C and C++ under these attributes: packing
// (of the record or the member) drops it to 1, `aligned` raises it.
std::uint64_t effective(const MemberAttributes& a, bool record_packed, std::uint64_t natural) {
    if (a.packed || record_packed) return a.aligned ? a.aligned : 1;
    return std::max(natural, a.aligned);
}

// Candidates in order of preference: nothing, a raised alignment, packing,
// packing with an alignment.
std::vector<MemberAttributes> candidates() {
    std::vector<MemberAttributes> out{{false, 0}};
    for (std::uint64_t n = 2; n <= 4096; n *= 2) out.push_back({false, n});
    out.push_back({true, 0});
    for (std::uint64_t n = 2; n <= 4096; n *= 2) out.push_back({true, n});
    return out;
}

// `widen`: members whose elements are this wide try aligned(widen) first.
std::optional<Layout> try_packing(const std::vector<PlacedRecord>& targets, bool packed, std::uint64_t widen = 0) {
    static const std::vector<MemberAttributes> choices = candidates();
    const std::size_t count = targets.front().members.size();
    Layout layout;
    layout.record.packed = packed;
    std::vector<std::uint64_t> position(targets.size(), 0);  // bits
    std::vector<std::uint64_t> member_align(targets.size(), 1);
    bool has_bitfields = false;
    for (std::size_t i = 0; i < count; ++i) {
        if (targets.front().members[i].bitfield) {
            has_bitfields = true;
            for (std::size_t t = 0; t < targets.size(); ++t) {
                const PlacedMember& m = targets[t].members[i];
                std::uint64_t end = m.offset_bits + m.width_bits;
                position[t] = targets[t].is_union ? std::max(position[t], end) : end;
                if (m.named && !packed) member_align[t] = std::max(member_align[t], m.natural);
            }
            layout.members.push_back({});
            continue;
        }
        const MemberAttributes* chosen = nullptr;
        std::vector<MemberAttributes> order;
        if (widen && targets.front().members[i].element == widen) order.push_back({false, widen});
        order.insert(order.end(), choices.begin(), choices.end());
        for (const auto& candidate : order) {
            bool fits = true;
            for (std::size_t t = 0; t < targets.size() && fits; ++t) {
                const PlacedMember& m = targets[t].members[i];
                std::uint64_t start = targets[t].is_union ? 0 : (position[t] + 7) / 8;
                fits = round_up(start, effective(candidate, packed, m.natural)) * 8 == m.offset_bits;
            }
            // In a union every candidate fits; only the record's alignment tells.
            if (fits) {
                chosen = &candidate;
                break;
            }
        }
        if (!chosen) return std::nullopt;
        layout.members.push_back(*chosen);
        for (std::size_t t = 0; t < targets.size(); ++t) {
            const PlacedMember& m = targets[t].members[i];
            member_align[t] = std::max(member_align[t], effective(*chosen, packed, m.natural));
            std::uint64_t end = m.offset_bits + m.size * 8;
            position[t] = targets[t].is_union ? std::max(position[t], end) : end;
        }
    }
    // The record's own alignment: raised by an attribute where its members
    // do not reach it; a record less aligned than its members needs packing.
    std::uint64_t raise = 0;
    for (std::size_t t = 0; t < targets.size(); ++t) {
        if (targets[t].align < member_align[t]) return std::nullopt;
        if (targets[t].align > member_align[t]) {
            if (raise && raise != targets[t].align) return std::nullopt;
            raise = targets[t].align;
        }
    }
    for (std::size_t t = 0; t < targets.size(); ++t) {
        std::uint64_t align = std::max(raise, member_align[t]);
        if (align != targets[t].align) return std::nullopt;
        if (!has_bitfields && round_up((position[t] + 7) / 8, align) != targets[t].size) return std::nullopt;
    }
    layout.record.aligned = raise;
    return layout;
}

}  // namespace

std::optional<Layout> infer_layout(const std::vector<PlacedRecord>& targets) {
    if (targets.empty()) return std::nullopt;
    if (auto plain = try_packing(targets, false)) {
        if (plain->record.aligned)
            if (auto widened = try_packing(targets, false, plain->record.aligned); widened && !widened->record.aligned)
                return widened;
        return plain;
    }
    return try_packing(targets, true);
}

}  // namespace uapikit::emit
