// What the generated raw bindings (include/uapikit/generated/) build on:
// named padding, and the shape of the command table. Hand-written; the
// generated headers include it.
//
// Only the compiler's own <stddef.h> and <stdint.h> are used, so the raw
// bindings compile for any target without that target's C or C++ library
// (clang++ --target=... -ffreestanding).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace uapikit {

// Bytes the C layout leaves unnamed. Generated structs name them with this
// type, with a `{}` initializer where the struct has them, so that they
// start zeroed and tools can tell them from real fields. It has no
// initializer of its own: C++ packs only members of POD type.
template <size_t N>
struct padding {
    uint8_t bytes[N];
    friend constexpr bool operator==(const padding&, const padding&) = default;
};

// A type written as a template argument, so that a member can be declared
// with any C type in one piece: `type_t<void (*)(int)> handler;`.
template <typename T>
using type_t = T;

template <typename T>
inline constexpr bool is_padding_v = false;
template <size_t N>
inline constexpr bool is_padding_v<padding<N>> = true;

// Per argument struct: its request number, the request's name and min_size
// (where the last field the kernel requires ends). Generated headers
// specialise it for every command of their version.
template <typename Arg>
struct command_traits;

// One row of a generated command table.
struct command_info {
    unsigned long request;
    const char* name;      // request macro, e.g. "IOMMU_DESTROY"
    const char* argument;  // argument struct, e.g. "iommu_destroy"
    size_t size;           // sizeof the argument struct
    size_t min_size;       // smallest `size` the kernel accepts
};

template <typename Arg>
constexpr command_info command_row(const char* argument) {
    using traits = command_traits<Arg>;
    return {traits::request, traits::name, argument, sizeof(Arg), traits::min_size};
}

}  // namespace uapikit
