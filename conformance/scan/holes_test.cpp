// ir::find_holes against padding worked out by hand from given offsets.
#include "ir/holes.hpp"

#include <doctest/doctest.h>

using uapikit::ir::Field;
using uapikit::ir::find_holes;
using uapikit::ir::Hole;

namespace {
Field plain(std::uint64_t offset_bytes, std::uint64_t size) {
    Field f;
    f.offset_bits = offset_bytes * 8;
    f.size = size;
    return f;
}
Field bits(std::uint64_t offset_bits, unsigned width, std::uint64_t type_size = 4) {
    Field f;
    f.offset_bits = offset_bits;
    f.size = type_size;
    f.bit_width = width;
    return f;
}
std::vector<Hole> holes(std::initializer_list<Hole> h) { return h; }
}  // namespace

TEST_CASE("interior and tail padding of a struct") {
    // u32 at 0, u64 at 8, u8 at 16, size 24: gaps 4..8 and 17..24.
    auto h = find_holes({plain(0, 4), plain(8, 8), plain(16, 1)}, 24);
    CHECK(h == holes({{4, 4}, {17, 7}}));
}

TEST_CASE("a fully packed record has no holes") {
    CHECK(find_holes({plain(0, 4), plain(4, 4), plain(8, 8)}, 16).empty());
}

TEST_CASE("a union's bytes past its widest member are padding") {
    // members of 2 and 6 bytes in an 8-byte union.
    CHECK(find_holes({plain(0, 2), plain(0, 6)}, 8) == holes({{6, 2}}));
}

TEST_CASE("bitfields cover every byte they touch, and only those") {
    // 3 bits at bit 0 and 4 bits at bit 17 in a 4-byte unit: byte 1 and 3 untouched.
    CHECK(find_holes({bits(0, 3), bits(17, 4)}, 4) == holes({{1, 1}, {3, 1}}));
    // A field straddling a byte boundary covers both bytes.
    CHECK(find_holes({bits(6, 4)}, 2).empty());
}

TEST_CASE("zero-width bitfields and flexible arrays cover nothing") {
    Field flex = plain(4, 0);
    flex.flexible = true;
    CHECK(find_holes({plain(0, 4), bits(32, 0), flex}, 8) == holes({{4, 4}}));
}

TEST_CASE("an empty record has nothing to report") { CHECK(find_holes({}, 0).empty()); }
