// `uapikit-gen emit VERSION|MANIFEST -o FILE`: the generated C++ bindings.
#pragma once

#include <CLI/CLI.hpp>

namespace uapikit::commands {

std::function<int()> add_emit_command(CLI::App& app);

}  // namespace uapikit::commands
