// Reads a manifest file (schema version 1) back into the IR, so check, diff
// and the emitters work on manifests from any earlier scan. Reading and
// writing again gives the same bytes.
#pragma once

#include "ir/abi.hpp"

#include <filesystem>
#include <string>

namespace uapikit::manifest {

// Throws InputError with a one-line reason naming `source` when the text is
// not JSON, not a uapikit manifest, or of another schema version.
ir::Manifest parse_manifest(const std::string& text, const std::string& source);

ir::Manifest read_manifest_file(const std::filesystem::path& file);

}  // namespace uapikit::manifest
