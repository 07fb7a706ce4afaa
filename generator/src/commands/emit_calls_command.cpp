#include "commands/emit_calls_command.hpp"

#include "abi/version_builder.hpp"
#include "abi/version_catalog.hpp"
#include "commands/emit_options.hpp"
#include "emit/call_description.hpp"
#include "emit/cpp_bindings.hpp"
#include "emit/typed_calls.hpp"
#include "util/atomic_file.hpp"

#include <memory>

namespace uapikit::commands {

std::function<int()> add_emit_calls_command(CLI::App& app) {
    struct State {
        std::string subject, description, output, abi_dir, raw_namespace, raw_header, name_space, commands;
    };
    auto state = std::make_shared<State>();
    CLI::App* cmd = app.add_subcommand("emit-calls", "Write typed calls for every command of a version.");
    cmd->add_option("version", state->subject, "A version name from abi/ or a manifest file")->required();
    cmd->add_option("-d,--description", state->description,
                    "The ioctl family's reviewed description (abi/surface/calls/*.json)")
        ->required();
    cmd->add_option("-o,--output", state->output, "C++ header to write")->required();
    cmd->add_option("--raw-namespace", state->raw_namespace,
                    "Namespace of the bindings under uapikit::raw (default: as emit's: from the version name,\n"
                    "or for a manifest file from its name)")
        ->check(cpp_namespace());
    cmd->add_option("--raw-header", state->raw_header,
                    "How the calls include the bindings (default: uapikit/generated/RAW_NAMESPACE.hpp)");
    cmd->add_option("--namespace", state->name_space, "Put the calls in uapikit::NAME instead of uapikit")
        ->check(cpp_namespace());
    cmd->add_option("--commands", state->commands,
                    "Command table to use instead of the version's (format of abi/surface/commands.json; the\n"
                    "rows whose request the version defines): for a manifest from `scan`, which has none")
        ->check(CLI::ExistingFile);
    cmd->add_option("--abi-dir", state->abi_dir, "Folder of ABI versions (default: $UAPIKIT_ABI_DIR, else the kit's abi/)");
    cmd->footer(
        "The description gives, for each command, the role of each field of its argument struct:\n"
        "an id of which object kind, an input or an output, which enum a flags field takes, which\n"
        "fields must be 0, which pointer and length fields describe caller memory (docs/typed-calls.md).\n"
        "Every command of the version's command table must be described, and every field must have\n"
        "a role. Each call fills the raw struct of `uapikit-gen emit VERSION` (its size field too),\n"
        "issues it through a backend and returns its outputs, or one error naming the request.\n\n"
        "Example:\n  uapikit-gen emit-calls proposed -d abi/surface/calls/iommufd.json \\\n"
        "      -o include/uapikit/generated/proposed_calls.hpp\n\n"
        "Exit status: 0 success; 2 usage or input error (nothing is written).");
    return [state] {
        refuse_overwriting_input(state->subject, state->output);
        AtomicFile file(state->output);
        abi::LoadedAbi loaded = abi::load_version_or_manifest(state->subject, state->abi_dir);
        if (!state->commands.empty()) loaded.manifest.commands = abi::read_commands(state->commands, loaded.manifest);
        emit::CallDescription description = emit::read_call_description(state->description);
        emit::CallsOptions options;
        options.raw_namespace =
            state->raw_namespace.empty() ? default_raw_namespace(loaded, state->subject) : state->raw_namespace;
        options.raw_header = state->raw_header.empty() ? "uapikit/generated/" + options.raw_namespace + ".hpp" : state->raw_header;
        options.name_space = state->name_space;
        std::string command = "uapikit-gen emit-calls " + state->subject + " -d " + state->description + " -o " + state->output;
        if (!state->raw_namespace.empty()) command += " --raw-namespace " + state->raw_namespace;
        if (!state->raw_header.empty()) command += " --raw-header " + state->raw_header;
        if (!state->name_space.empty()) command += " --namespace " + state->name_space;
        if (!state->commands.empty()) command += " --commands " + state->commands;
        file.commit(emit::typed_calls(loaded.manifest, description, options, {loaded.label, command}));
        return 0;
    };
}

}  // namespace uapikit::commands
