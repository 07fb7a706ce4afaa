#include "commands/findings_command.hpp"

#include "analysis/report_output.hpp"
#include "util/atomic_file.hpp"

#include <iostream>

namespace uapikit::commands {

const char* const kFindingsExitStatus =
    "Exit status (a bitmask, as abidiff's): 0 nothing found; 1 tool error; 2 usage or input error;\n"
    "4 compatible changes or warnings only; 8 set when anything is incompatible (so 12 means both).";

void add_findings_options(CLI::App& cmd, FindingsOptions& options) {
    cmd.add_option("--format", options.format, "Output format on stdout")
        ->check(CLI::IsMember({"text", "json", "junit"}))
        ->capture_default_str();
    cmd.add_option("--junit", options.junit, "Also write the findings as JUnit XML to this file (for CI)");
    cmd.add_option("--junit-suite", options.junit_suite,
                   "Name of the JUnit test suite (default: the command line); keep it stable between CI runs");
    cmd.add_option("--abi-dir", options.abi_dir, "Folder of ABI versions (default: $UAPIKIT_ABI_DIR, else the kit's abi/)");
}

int print_report(const analysis::Report& report, const FindingsOptions& options, const std::string& default_suite) {
    const std::string& suite = options.junit_suite.empty() ? default_suite : options.junit_suite;
    if (!options.junit.empty()) {
        AtomicFile file(options.junit);
        file.commit(analysis::to_junit(report, suite));
    }
    if (options.format == "json")
        std::cout << analysis::to_json(report);
    else if (options.format == "junit")
        std::cout << analysis::to_junit(report, suite);
    else
        std::cout << analysis::to_text(report);
    std::cout.flush();
    return analysis::exit_status(report);
}

}  // namespace uapikit::commands
