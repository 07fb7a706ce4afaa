// fixtures/include/linux/uapikit_enum_lines.h scanned for x86_64, shared by
// the diff and lint rule tests: no defines give its first version,
// UAPIKIT_ENUM_V2 its second.
#pragma once

#include "scan/scan_driver.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

namespace uapikit::testing {

inline ir::Manifest scan_enum_lines(std::vector<std::string> defines) {
    const char* fixtures = std::getenv("UAPIKIT_FIXTURES");
    REQUIRE(fixtures != nullptr);
    scan::ScanRequest request;
    request.headers = {"linux/uapikit_enum_lines.h"};
    request.include_dirs = {fixtures};
    request.defines = std::move(defines);
    request.targets = {"x86_64-linux-gnu"};
    request.jobs = 1;
    return scan::scan(request);
}

}  // namespace uapikit::testing
