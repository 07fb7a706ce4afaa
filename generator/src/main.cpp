// uapikit-gen: reads Linux uapi headers with libclang and reports their ABI.
#include "commands/abi_command.hpp"
#include "commands/check_command.hpp"
#include "commands/diff_command.hpp"
#include "commands/emit_calls_command.hpp"
#include "commands/emit_command.hpp"
#include "commands/emit_tests_command.hpp"
#include "commands/report_command.hpp"
#include "commands/scan_command.hpp"
#include "util/errors.hpp"
#include "version.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

int main(int argc, char** argv) {
    CLI::App app{"uapikit-gen: exact multi-target ABI manifests, checks and bindings for Linux uapi headers"};
    app.set_version_flag("--version", std::string("uapikit-gen ") + uapikit::kVersion);
    app.require_subcommand(1);
    std::map<CLI::App*, std::function<int()>> commands;
    auto add = [&](const char* name, std::function<int()> run) { commands[app.get_subcommand(name)] = std::move(run); };
    add("scan", uapikit::commands::add_scan_command(app));
    add("check", uapikit::commands::add_check_command(app));
    add("diff", uapikit::commands::add_diff_command(app));
    add("emit", uapikit::commands::add_emit_command(app));
    add("emit-tests", uapikit::commands::add_emit_tests_command(app));
    add("emit-calls", uapikit::commands::add_emit_calls_command(app));
    add("report", uapikit::commands::add_report_command(app));
    add("abi", uapikit::commands::add_abi_command(app));

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::cerr << "uapikit-gen: error: " << e.what() << "\nRun 'uapikit-gen --help' for usage.\n";
        return 2;
    }
    try {
        for (auto& [sub, run] : commands)
            if (sub->parsed()) return run();
    } catch (const uapikit::InputError& e) {
        std::cerr << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "uapikit-gen: internal error: " << e.what() << "\n";
        return 1;
    }
    return 1;
}
