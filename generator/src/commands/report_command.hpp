// `uapikit-gen report --html VERSION|MANIFEST [--against OTHER] -o FILE`.
#pragma once

#include <CLI/CLI.hpp>

namespace uapikit::commands {

std::function<int()> add_report_command(CLI::App& app);

}  // namespace uapikit::commands
