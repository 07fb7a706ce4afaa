// `uapikit-gen check VERSION|MANIFEST`: lint one version.
#pragma once

#include <CLI/CLI.hpp>

namespace uapikit::commands {

std::function<int()> add_check_command(CLI::App& app);

}  // namespace uapikit::commands
