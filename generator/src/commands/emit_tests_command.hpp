// `uapikit-gen emit-tests VERSION|MANIFEST -o FILE`: generated static_assert
// conformance tests.
#pragma once

#include <CLI/CLI.hpp>

namespace uapikit::commands {

std::function<int()> add_emit_tests_command(CLI::App& app);

}  // namespace uapikit::commands
