// `uapikit-gen abi list|update|verify`: the shipped ABI versions and their
// committed manifests.
#pragma once

#include <CLI/CLI.hpp>

namespace uapikit::commands {

std::function<int()> add_abi_command(CLI::App& app);

}  // namespace uapikit::commands
