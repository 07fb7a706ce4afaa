// The manifest file format (schema version 1). Key order is fixed so that
// the same IR always serialises to the same bytes.
#pragma once

#include "ir/abi.hpp"

#include <string>

namespace uapikit::manifest {

inline constexpr int kSchemaVersion = 1;

std::string to_json_text(const ir::Manifest& manifest);

}  // namespace uapikit::manifest
