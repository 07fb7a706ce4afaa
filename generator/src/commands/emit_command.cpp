#include "commands/emit_command.hpp"

#include "abi/version_catalog.hpp"
#include "emit/cpp_bindings.hpp"
#include "util/atomic_file.hpp"

#include <memory>

namespace uapikit::commands {

std::function<int()> add_emit_command(CLI::App& app) {
    struct State {
        std::string subject, output, abi_dir, name_space;
    };
    auto state = std::make_shared<State>();
    CLI::App* cmd = app.add_subcommand("emit", "Write layout-exact C++ bindings (structs, enums, request numbers, command table).");
    cmd->add_option("version", state->subject, "A version name from abi/ or a manifest file")->required();
    cmd->add_option("-o,--output", state->output, "C++ header to write")->required();
    cmd->add_option("--namespace", state->name_space,
                    "Namespace under uapikit::raw (default: from the version name, e.g. linux-7.1 -> linux_7_1)");
    cmd->add_option("--abi-dir", state->abi_dir, "Folder of ABI versions (default: $UAPIKIT_ABI_DIR, else the kit's abi/)");
    cmd->footer(
        "The header declares what the version's own headers declare (not linux/types.h and the like),\n"
        "with the kernel's names, in namespace uapikit::raw::NAME. Implicit padding becomes named,\n"
        "zero-initialised members; every member starts at 0. A per-target block of static_asserts\n"
        "holds each struct to the manifest, so the header compiles only where its layout is exact.\n"
        "It needs <uapikit/raw_support.hpp>, never a kernel header.\n\n"
        "Example:\n  uapikit-gen emit proposed -o include/uapikit/generated/proposed.hpp\n\n"
        "Exit status: 0 success; 2 usage or input error, or a declaration C++ cannot express\n"
        "exactly (nothing is written).");
    return [state] {
        AtomicFile file(state->output);
        abi::LoadedAbi loaded = abi::load_version_or_manifest(state->subject, state->abi_dir);
        std::string ns = state->name_space.empty()
                             ? emit::namespace_for(loaded.manifest.version.empty() ? "bindings" : loaded.manifest.version)
                             : state->name_space;
        std::string command = "uapikit-gen emit " + state->subject + " -o " + state->output;
        if (!state->name_space.empty()) command += " --namespace " + state->name_space;
        file.commit(emit::cpp_bindings(loaded.manifest, ns, {loaded.label, command}));
        return 0;
    };
}

}  // namespace uapikit::commands
