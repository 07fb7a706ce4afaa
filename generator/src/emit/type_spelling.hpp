// How a field's C type is written in C++: per target, and once for several
// targets when one spelling gives each of them C's width.
//
// A fixed-width C type becomes the <stdint.h> type of that width; `long`
// and `unsigned long` stay themselves (4 bytes on ILP32 targets, 8 on LP64),
// unless the field is declared with one of the kernel's fixed-width 64-bit
// typedefs (powerpc64's __u64 is `unsigned long`). Pointers keep C's
// spelling, so each target gets its own pointer; function pointers and
// pointers to arrays go through ::uapikit::type_t<...>. _Bool becomes bool.
#pragma once

#include "ir/abi.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace uapikit::emit {

struct FieldType {
    enum class Kind { Scalar, Pointer, Record, Enum };
    Kind kind = Kind::Scalar;
    std::string spelled;            // C++ type before the member name; "" for an unnamed record (defined in place)
    std::string record;             // Record: the manifest's record name (may be synthetic, "p::@union1")
    std::string scalar;             // Scalar: C's canonical name ("unsigned long"), for its alignment
    std::string enum_name;          // Enum: the enum's name, for its underlying type
    std::vector<std::string> dims;  // "[4]" ...; "[]" for a flexible array
    std::uint64_t count = 1;        // elements; 0 for flexible and zero-length arrays
};

// The C++ spelling of `field` for `triple`, or nullopt with `why` set when
// C++ has no exact spelling for it.
std::optional<FieldType> field_type(const ir::Field& field, const ir::TargetAbi& abi, std::string& why);

// One spelling for the same field on several targets, or nullopt when
// there is none (then each target gets its own definition).
std::optional<std::string> joint_spelling(const std::vector<FieldType>& per_target, const std::vector<std::string>& triples);

// The alignment C++ gives the element type of `type` on `abi`'s target
// when no attribute changes it (records: their own alignment).
std::optional<std::uint64_t> natural_align(const FieldType& type, const ir::TargetAbi& abi);

}  // namespace uapikit::emit
