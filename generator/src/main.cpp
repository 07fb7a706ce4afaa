// uapikit-gen: reads Linux uapi headers with libclang and reports their ABI.
#include "commands/abi_command.hpp"
#include "commands/check_command.hpp"
#include "commands/diff_command.hpp"
#include "commands/emit_command.hpp"
#include "commands/emit_tests_command.hpp"
#include "commands/report_command.hpp"
#include "commands/scan_command.hpp"
#include "util/errors.hpp"
#include "version.hpp"

#include <CLI/CLI.hpp>

#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <vector>

namespace {

// The names of `app`'s subcommands, in the order --help lists them.
std::string command_list(const CLI::App& app) {
    std::string out;
    for (const CLI::App* sub : app.get_subcommands({})) out += (out.empty() ? "" : ", ") + sub->get_name();
    return out;
}

// "uapikit-gen abi" for a chain of subcommands, as --help hints name it.
std::string command_path(const std::vector<const CLI::App*>& chain) {
    std::string path;
    for (const CLI::App* app : chain) path += (path.empty() ? "" : " ") + app->get_name();
    return path;
}

// The subcommands the command line reached, outermost first.
std::vector<const CLI::App*> parsed_chain(const CLI::App& app) {
    std::vector<const CLI::App*> chain = {&app};
    for (bool deeper = true; deeper;) {
        deeper = false;
        for (const CLI::App* sub : chain.back()->get_subcommands({}))
            if (sub->parsed()) {
                chain.push_back(sub);
                deeper = true;
                break;
            }
    }
    return chain;
}

// A word where a command must stand has to name one; CLI11 would only say
// that a subcommand is required. Checks each level: `uapikit-gen abi frob`.
bool unknown_command(const CLI::App& app, int argc, char** argv) {
    std::vector<const CLI::App*> chain = {&app};
    for (int i = 1; i < argc && argv[i][0] != '-'; ++i) {
        const CLI::App* at = chain.back();
        if (at->get_subcommands({}).empty()) return false;  // positional arguments from here on
        const CLI::App* next = nullptr;
        for (const CLI::App* sub : at->get_subcommands({}))
            if (sub->check_name(argv[i])) next = sub;
        if (!next) {
            std::cerr << "uapikit-gen: error: unknown command '" << argv[i] << "'"
                      << (chain.size() > 1 ? " for '" + command_path(chain) + "'" : std::string()) << " (commands: "
                      << command_list(*at) << ")\nRun '" << command_path(chain) << " --help' for usage.\n";
            return true;
        }
        chain.push_back(next);
    }
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"uapikit-gen: exact multi-target ABI manifests, checks and bindings for Linux uapi headers", "uapikit-gen"};
    app.set_version_flag("--version", std::string("uapikit-gen ") + uapikit::kVersion);
    app.require_subcommand(1);
    std::map<CLI::App*, std::function<int()>> commands;
    auto add = [&](const char* name, std::function<int()> run) { commands[app.get_subcommand(name)] = std::move(run); };
    add("scan", uapikit::commands::add_scan_command(app));
    add("check", uapikit::commands::add_check_command(app));
    add("diff", uapikit::commands::add_diff_command(app));
    add("emit", uapikit::commands::add_emit_command(app));
    add("emit-tests", uapikit::commands::add_emit_tests_command(app));
    add("report", uapikit::commands::add_report_command(app));
    add("abi", uapikit::commands::add_abi_command(app));
    app.footer("Run 'uapikit-gen COMMAND --help' for a command's options and exit status.");

    if (unknown_command(app, argc, argv)) return 2;
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::vector<const CLI::App*> chain = parsed_chain(app);
        std::string what = e.what();
        if (e.get_name() == "RequiredError" && !chain.back()->get_subcommands({}).empty())
            what = "no command given (commands: " + command_list(*chain.back()) + ")";
        std::cerr << "uapikit-gen: error: " << what << "\nRun '" << command_path(chain) << " --help' for usage.\n";
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
