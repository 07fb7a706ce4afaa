// The -j/--jobs option that scan and abi update/verify share: how many
// headers are parsed at once.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace uapikit::commands {

// Adds -j/--jobs to `cmd`, writing to `jobs`. A value that is not a whole
// number of 0 or more is refused in the option's own words, before CLI11's
// conversion, whose message ("Could not convert") does not say what it wants.
inline CLI::Option* add_jobs_option(CLI::App* cmd, unsigned& jobs) {
    const CLI::Validator whole_number(
        [](const std::string& value) -> std::string {
            if (value.empty() || value.size() > 6 || value.find_first_not_of("0123456789") != std::string::npos)
                return "'" + value + "' is not a number of parallel parses from 0 to 999999 (0: one per CPU)";
            return "";
        },
        "", "jobs");
    return cmd->add_option("-j,--jobs", jobs, "Parallel parses (default, or 0: number of CPUs)")->check(whole_number);
}

}  // namespace uapikit::commands
