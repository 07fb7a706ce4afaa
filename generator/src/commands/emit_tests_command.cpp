#include "commands/emit_tests_command.hpp"

#include "abi/version_catalog.hpp"
#include "emit/static_asserts.hpp"
#include "util/atomic_file.hpp"

#include <memory>

namespace uapikit::commands {

std::function<int()> add_emit_tests_command(CLI::App& app) {
    struct State {
        std::string subject, output, abi_dir;
    };
    auto state = std::make_shared<State>();
    CLI::App* cmd = app.add_subcommand(
        "emit-tests", "Write a C++ file of static_asserts that restate a version's layout for every target.");
    cmd->add_option("version", state->subject, "A version name from abi/ or a manifest file")->required();
    cmd->add_option("-o,--output", state->output, "C++ file to write")->required();
    cmd->add_option("--abi-dir", state->abi_dir, "Folder of ABI versions (default: $UAPIKIT_ABI_DIR, else the kit's abi/)");
    cmd->footer(
        "The file includes the version's headers and checks, under one #if block per target, the size and\n"
        "alignment of every named struct and union, each field's offset and size, every enum constant and\n"
        "every macro value, ioctl numbers included. Compile it with clang++ --target=<triple> and the -I/-D\n"
        "arguments the manifest records for that target; it fails to compile if the compiler disagrees.\n\n"
        "Example:\n  uapikit-gen emit-tests linux-7.1 -o linux-7.1-layout.cpp\n\n"
        "Exit status: 0 success; 2 usage or input error (nothing is written).");
    return [state] {
        AtomicFile file(state->output);
        abi::LoadedAbi loaded = abi::load_version_or_manifest(state->subject, state->abi_dir);
        std::string command = "uapikit-gen emit-tests " + state->subject + " -o " + state->output;
        file.commit(emit::static_assert_source(loaded.manifest, {loaded.label, command}));
        return 0;
    };
}

}  // namespace uapikit::commands
