// A set of bit positions kept as sorted, disjoint half-open ranges: which
// bits of a record a member, a reserved field or padding occupies. Records
// reach tens of thousands of bits, with a few dozen ranges.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

namespace uapikit::analysis {

class BitRanges {
public:
    using Range = std::pair<std::uint64_t, std::uint64_t>;  // [first, second)

    void add(std::uint64_t begin, std::uint64_t end) {
        if (begin >= end) return;
        auto it = std::lower_bound(ranges_.begin(), ranges_.end(), Range{begin, begin});
        if (it != ranges_.begin() && std::prev(it)->second >= begin) --it;
        auto last = it;
        while (last != ranges_.end() && last->first <= end) {
            begin = std::min(begin, last->first);
            end = std::max(end, last->second);
            ++last;
        }
        it = ranges_.erase(it, last);
        ranges_.insert(it, {begin, end});
    }

    void add(const BitRanges& other) {
        for (const auto& [b, e] : other.ranges_) add(b, e);
    }

    // Every bit of [begin, end) is in the set (an empty range always is).
    bool covers(std::uint64_t begin, std::uint64_t end) const {
        if (begin >= end) return true;
        auto it = std::upper_bound(ranges_.begin(), ranges_.end(), Range{begin, UINT64_MAX});
        if (it == ranges_.begin()) return false;
        --it;
        return it->first <= begin && end <= it->second;
    }

    bool overlaps(std::uint64_t begin, std::uint64_t end) const {
        for (const auto& [b, e] : ranges_)
            if (b < end && begin < e) return true;
        return false;
    }

    // The bits of [begin, end) that are not in the set.
    BitRanges gaps(std::uint64_t begin, std::uint64_t end) const {
        BitRanges out;
        std::uint64_t at = begin;
        for (const auto& [b, e] : ranges_) {
            if (e <= at) continue;
            if (b >= end) break;
            if (b > at) out.add(at, b);
            at = std::max(at, e);
        }
        if (at < end) out.add(at, end);
        return out;
    }

    bool empty() const { return ranges_.empty(); }
    const std::vector<Range>& ranges() const { return ranges_; }

private:
    std::vector<Range> ranges_;
};

}  // namespace uapikit::analysis
