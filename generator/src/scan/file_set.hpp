// A set of files named by their lexically normalised path text. Every
// parse builds and queries several such sets, and hashing a string is far
// cheaper than ordering std::filesystem::path values component by component.
#pragma once

#include <string>
#include <unordered_set>

namespace uapikit::scan {

using FileSet = std::unordered_set<std::string>;

}  // namespace uapikit::scan
