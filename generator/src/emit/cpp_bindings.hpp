// C++ bindings generated from a manifest: layout-exact structs and unions
// with the kernel's field names (implicit padding made explicit and zeroed;
// pointers, bitfields, packed and aligned layouts, flexible arrays, unnamed
// members as in C), enums, request constants, the command table, and
// static_asserts that hold the definitions to the manifest on every target.
// The output includes no kernel header and no C or C++ library header:
// only <uapikit/raw_support.hpp>.
#pragma once

#include "emit/static_asserts.hpp"
#include "ir/abi.hpp"

#include <string>

namespace uapikit::emit {

// `name_space` is the namespace under uapikit::raw, e.g. "proposed".
// `all_files`: every declaration of the manifest, not only those of the
// headers it scanned (and what they need). Throws InputError, located at
// the declaration, for one C++ cannot express exactly on some target.
std::string cpp_bindings(const ir::Manifest& manifest, const std::string& name_space, const Provenance& provenance,
                         bool all_files = false);

// A C++ identifier for a version name: "linux-7.1" -> "linux_7_1".
std::string namespace_for(const std::string& version);

}  // namespace uapikit::emit
