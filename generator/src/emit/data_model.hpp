// Size and alignment of C's scalar types as struct members, per target.
//
// The manifest carries each field's declared type's alignment, which a
// typedef with an `aligned` attribute can raise or lower (the kernel's
// __s128, rdma's packed_ulong, virtio's vring_desc_t). The C++ bindings
// spell the canonical type, whose own alignment is what C++ will use; the
// emitter needs that number to see where an attribute must restore the C
// layout. These are the psABI facts of the seven targets; a test compiles
// a probe per target and checks every entry against clang.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace uapikit::emit {

struct ScalarLayout {
    std::uint64_t size = 0;
    std::uint64_t align = 0;  // as a struct member (i386 puts long long and double at 4)
};

// `canonical` is clang's canonical spelling ("unsigned long", "_Bool",
// "long double"); "*" stands for any data or function pointer. nullopt for
// a type the target does not have (__int128 on 32-bit targets) or that is
// not a scalar.
std::optional<ScalarLayout> scalar_layout(std::string_view triple, std::string_view canonical);

}  // namespace uapikit::emit
