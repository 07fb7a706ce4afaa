// Runs a program and captures its exit status, stdout and stderr: the
// conformance suites drive uapikit-gen exactly as a user's shell would.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace uapikit::testing {

struct CommandResult {
    int exit_code = -1;  // 128 + signal when killed by a signal
    std::string out;
    std::string err;
};

CommandResult run_command(const std::vector<std::string>& argv);

// Reads a whole file; empty when it does not exist.
std::string read_file(const std::string& path);

// Value of a required environment variable; fails the test run if unset.
std::string required_env(const char* name);

// An empty folder for one test's files, under the system's temporary folder
// in one folder per suite and process (uapikit-SUITE-PID): NAME when given,
// emptied first; otherwise a new numbered one on every call. The
// per-process folder is removed when the program exits.
std::filesystem::path scratch_dir(const std::string& suite, const std::string& name = "");

}  // namespace uapikit::testing
