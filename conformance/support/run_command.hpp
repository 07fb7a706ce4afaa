// Runs a program and captures its exit status, stdout and stderr: the
// conformance suites drive uapikit-gen exactly as a user's shell would.
#pragma once

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

}  // namespace uapikit::testing
