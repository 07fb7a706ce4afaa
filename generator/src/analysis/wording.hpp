// Phrases that more than one kind of finding uses.
#pragma once

#include <cstdint>
#include <string>

namespace uapikit::analysis {

// A size as a finding words it: "1 byte", "8 bytes".
inline std::string bytes(std::uint64_t n) { return std::to_string(n) + (n == 1 ? " byte" : " bytes"); }

}  // namespace uapikit::analysis
