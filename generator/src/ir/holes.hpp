// Padding derived from compiler-given offsets: never recomputes layout.
#pragma once

#include "ir/abi.hpp"

#include <vector>

namespace uapikit::ir {

// Returns the byte ranges of a record of `record_size` bytes that no field
// touches. A byte partly used by a bitfield is not a hole; zero-width
// bitfields and flexible arrays cover nothing. Works for structs and unions.
std::vector<Hole> find_holes(const std::vector<Field>& fields, std::uint64_t record_size);

}  // namespace uapikit::ir
