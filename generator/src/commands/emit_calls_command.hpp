// `uapikit-gen emit-calls VERSION|MANIFEST --description FILE -o FILE`:
// typed calls for every command of a version.
#pragma once

#include <CLI/CLI.hpp>

namespace uapikit::commands {

std::function<int()> add_emit_calls_command(CLI::App& app);

}  // namespace uapikit::commands
