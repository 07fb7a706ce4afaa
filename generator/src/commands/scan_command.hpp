// `uapikit-gen scan`: command-line surface of scan::scan.
#pragma once

#include <CLI/CLI.hpp>

namespace uapikit::commands {

// Registers the subcommand; the returned callback runs it and gives the
// exit status.
std::function<int()> add_scan_command(CLI::App& app);

}  // namespace uapikit::commands
