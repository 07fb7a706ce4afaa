#include "commands/emit_command.hpp"

#include "abi/version_builder.hpp"
#include "abi/version_catalog.hpp"
#include "commands/emit_options.hpp"
#include "emit/cpp_bindings.hpp"
#include "util/atomic_file.hpp"

#include <memory>

namespace uapikit::commands {

std::function<int()> add_emit_command(CLI::App& app) {
    struct State {
        std::string subject, output, abi_dir, name_space, commands;
        bool all_files = false;
    };
    auto state = std::make_shared<State>();
    CLI::App* cmd = app.add_subcommand("emit", "Write layout-exact C++ bindings (structs, enums, request numbers, command table).");
    cmd->add_option("version", state->subject, "A version name from abi/ or a manifest file")->required();
    cmd->add_option("-o,--output", state->output, "C++ header to write")->required();
    cmd->add_option("--namespace", state->name_space,
                    "Namespace under uapikit::raw (default: from the version name, e.g. linux-7.1 -> linux_7_1, or\n"
                    "for a manifest file from its name, e.g. linux-6.12.json -> linux_6_12)")
        ->check(cpp_namespace());
    cmd->add_option("--commands", state->commands,
                    "Command table to use instead of the version's (format of abi/surface/commands.json; the\n"
                    "rows whose request the version defines): for a manifest from `scan`, which has none, so\n"
                    "that its bindings get the command table and command_traits")
        ->check(CLI::ExistingFile);
    cmd->add_option("--abi-dir", state->abi_dir, "Folder of ABI versions (default: $UAPIKIT_ABI_DIR, else the kit's abi/)");
    cmd->add_flag("--all-files", state->all_files,
                  "Every declaration the manifest has, also those of headers the scanned ones include");
    cmd->footer(
        "The header declares what the version's own headers declare (not linux/types.h and the like),\n"
        "with the kernel's names, in namespace uapikit::raw::NAME. Implicit padding becomes named,\n"
        "zero-initialised members; every member starts at 0. Pointers, bitfields, unions, unnamed\n"
        "members, flexible arrays and packed or aligned layouts are written as C has them; `long`\n"
        "stays `long`, so each target gets its own width. What differs between targets is written\n"
        "once per group of targets under #if. A per-target block of static_asserts holds each\n"
        "struct to the manifest, so the header compiles only where its layout is exact. It needs\n"
        "<uapikit/raw_support.hpp>, never a kernel header, and may come before or after one.\n\n"
        "Example:\n  uapikit-gen emit proposed -o include/uapikit/generated/proposed.hpp\n\n"
        "Exit status: 0 success; 2 usage or input error, or a declaration C++ cannot express\n"
        "exactly, reported as file:line:col: error: emit: ... (nothing is written).");
    return [state] {
        refuse_overwriting_input(state->subject, state->output);
        AtomicFile file(state->output);
        abi::LoadedAbi loaded = abi::load_version_or_manifest(state->subject, state->abi_dir);
        if (!state->commands.empty()) loaded.manifest.commands = abi::read_commands(state->commands, loaded.manifest);
        std::string ns = state->name_space.empty() ? default_raw_namespace(loaded, state->subject) : state->name_space;
        std::string command = "uapikit-gen emit " + state->subject + " -o " + state->output;
        if (!state->name_space.empty()) command += " --namespace " + state->name_space;
        if (!state->commands.empty()) command += " --commands " + state->commands;
        if (state->all_files) command += " --all-files";
        file.commit(emit::cpp_bindings(loaded.manifest, ns, {loaded.label, command}, state->all_files));
        return 0;
    };
}

}  // namespace uapikit::commands
