#include "emit/data_model.hpp"

#include <array>

namespace uapikit::emit {
namespace {

struct Model {
    std::string_view triple;
    bool lp64;
    std::uint64_t llong_align;   // long long and double as members
    ScalarLayout long_double;
    std::uint64_t int128_align;  // 0: no __int128
};

// System V i386 aligns 8-byte scalars to 4 in structs; s390x aligns
// __int128 and its 16-byte long double to 8; 32-bit arm's long double is
// double.
constexpr std::array<Model, 7> kModels = {{
    {"x86_64-linux-gnu", true, 8, {16, 16}, 16},
    {"i386-linux-gnu", false, 4, {12, 4}, 0},
    {"aarch64-linux-gnu", true, 8, {16, 16}, 16},
    {"arm-linux-gnueabihf", false, 8, {8, 8}, 0},
    {"riscv64-linux-gnu", true, 8, {16, 16}, 16},
    {"powerpc64le-linux-gnu", true, 8, {16, 16}, 16},
    {"s390x-linux-gnu", true, 8, {16, 8}, 8},
}};

}  // namespace

std::optional<ScalarLayout> scalar_layout(std::string_view triple, std::string_view canonical) {
    const Model* m = nullptr;
    for (const auto& candidate : kModels)
        if (candidate.triple == triple) m = &candidate;
    if (!m) return std::nullopt;
    auto same = [](std::uint64_t n) { return ScalarLayout{n, n}; };
    if (canonical == "char" || canonical == "signed char" || canonical == "unsigned char" || canonical == "_Bool" ||
        canonical == "bool")
        return same(1);
    if (canonical == "short" || canonical == "unsigned short") return same(2);
    if (canonical == "int" || canonical == "unsigned int" || canonical == "float") return same(4);
    if (canonical == "long" || canonical == "unsigned long" || canonical == "*") return same(m->lp64 ? 8 : 4);
    if (canonical == "long long" || canonical == "unsigned long long" || canonical == "double")
        return ScalarLayout{8, m->llong_align};
    if (canonical == "long double") return m->long_double;
    if (canonical == "__int128" || canonical == "unsigned __int128") {
        if (!m->int128_align) return std::nullopt;
        return ScalarLayout{16, m->int128_align};
    }
    return std::nullopt;
}

}  // namespace uapikit::emit
