// What check and diff share on the command line: --format, --abi-dir, and
// printing a Report with the abidiff-style exit status.
#pragma once

#include "analysis/finding.hpp"

#include <CLI/CLI.hpp>

#include <string>

namespace uapikit::commands {

struct FindingsOptions {
    std::string format = "text";
    std::string abi_dir;
};

void add_findings_options(CLI::App& cmd, FindingsOptions& options);

// Prints the report on stdout and returns the exit status (0, 4, 8 or 12).
int print_report(const analysis::Report& report, const FindingsOptions& options);

// The exit-status paragraph both --help texts end with.
extern const char* const kFindingsExitStatus;

}  // namespace uapikit::commands
