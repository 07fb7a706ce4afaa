#include "ir/holes.hpp"

namespace uapikit::ir {

std::vector<Hole> find_holes(const std::vector<Field>& fields, std::uint64_t record_size) {
    std::vector<bool> covered(record_size, false);
    for (const Field& f : fields) {
        std::uint64_t width_bits = f.bit_width ? *f.bit_width : f.size * 8;
        if (width_bits == 0) continue;
        std::uint64_t first = f.offset_bits / 8;
        std::uint64_t last = (f.offset_bits + width_bits - 1) / 8;
        for (std::uint64_t b = first; b <= last && b < record_size; ++b) covered[b] = true;
    }
    std::vector<Hole> holes;
    for (std::uint64_t b = 0; b < record_size;) {
        if (covered[b]) {
            ++b;
            continue;
        }
        std::uint64_t start = b;
        while (b < record_size && !covered[b]) ++b;
        holes.push_back({start, b - start});
    }
    return holes;
}

}  // namespace uapikit::ir
