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
    std::string junit;        // also write JUnit XML here
    std::string junit_suite;  // the JUnit suite's name; "" for the command's default
};

void add_findings_options(CLI::App& cmd, FindingsOptions& options);

// Prints the report on stdout (and writes --junit), and returns the exit
// status (0, 4, 8 or 12). `suite` names the run in JUnit output unless
// --junit-suite does.
int print_report(const analysis::Report& report, const FindingsOptions& options, const std::string& suite);

// The exit-status paragraph both --help texts end with.
extern const char* const kFindingsExitStatus;

}  // namespace uapikit::commands
