// `uapikit-gen diff OLD NEW`: classify every change between two versions.
#pragma once

#include <CLI/CLI.hpp>

namespace uapikit::commands {

std::function<int()> add_diff_command(CLI::App& app);

}  // namespace uapikit::commands
