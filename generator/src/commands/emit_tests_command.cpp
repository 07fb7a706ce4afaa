#include "commands/emit_tests_command.hpp"

#include "abi/version_builder.hpp"
#include "abi/version_catalog.hpp"
#include "emit/static_asserts.hpp"
#include "util/atomic_file.hpp"

#include <iostream>
#include <memory>

namespace uapikit::commands {
namespace {

// The clang++ command that compiles `source` for one target: the -I and -D
// arguments scan was given, with {abi} and {kernel} made this machine's
// folders where they are known ({kernel} stays as it is when no header
// cache is found; the footer says what it stands for).
std::string compile_command(const ir::TargetAbi& target, const abi::BuildPaths& paths, const std::string& source) {
    // clang++-19: the compiler the kit's set-up installs, beside the libclang
    // scan runs on. Any clang++ with these targets will do.
    std::string line = "clang++-19 --target=" + target.triple + " -std=c++20 -fsyntax-only -nostdlibinc";
    const auto& args = target.clang_args;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "-I" && i + 1 < args.size()) {
            line += " -I " + abi::with_paths(args[++i], paths);
        } else if (args[i].rfind("-D", 0) == 0) {
            line += " " + args[i];
        }
    }
    return line + " " + source;
}

}  // namespace

std::function<int()> add_emit_tests_command(CLI::App& app) {
    struct State {
        std::string subject, output, abi_dir, kernel;
    };
    auto state = std::make_shared<State>();
    CLI::App* cmd = app.add_subcommand(
        "emit-tests", "Write a C++ file of static_asserts that restate a version's layout for every target.");
    cmd->add_option("version", state->subject, "A version name from abi/ or a manifest file")->required();
    cmd->add_option("-o,--output", state->output, "C++ file to write")->required();
    cmd->add_option("--abi-dir", state->abi_dir, "Folder of ABI versions (default: $UAPIKIT_ABI_DIR, else the kit's abi/)");
    cmd->add_option("--kernel", state->kernel,
                    "Folder of headers_install trees ({kernel} in the printed commands; default: "
                    "$UAPIKIT_KERNEL_HEADERS, else the build's cache)");
    cmd->footer(
        "The file includes the version's headers and checks, under one #if block per target, the size and\n"
        "alignment of every named struct and union, each field's offset and size, every enum constant and\n"
        "every macro value, ioctl numbers included. Compile it with clang++ --target=<triple> and the -I/-D\n"
        "arguments the manifest records for that target; it fails to compile if the compiler disagrees.\n"
        "After writing the file, it prints that command for each target, with {abi} and {kernel} made\n"
        "this machine's folders ({kernel}: --kernel, else $UAPIKIT_KERNEL_HEADERS, else the build's header\n"
        "cache, a folder of `make headers_install` trees per architecture as scripts/kernel-headers.sh\n"
        "makes).\n\n"
        "Example:\n  uapikit-gen emit-tests linux-7.1 -o linux-7.1-layout.cpp\n\n"
        "Exit status: 0 success; 2 usage or input error (nothing is written).");
    return [state] {
        AtomicFile file(state->output);
        abi::LoadedAbi loaded = abi::load_version_or_manifest(state->subject, state->abi_dir);
        std::string command = "uapikit-gen emit-tests " + state->subject + " -o " + state->output;
        file.commit(emit::static_assert_source(loaded.manifest, {loaded.label, command}));
        const abi::BuildPaths paths{abi::abi_dir_from(state->abi_dir), abi::kernel_headers_from(state->kernel)};
        std::cout << "wrote " << state->output << "; compile it for each target with:\n";
        for (const auto& [triple, target] : loaded.manifest.targets)
            std::cout << "  " << compile_command(target, paths, state->output) << "\n";
        return 0;
    };
}

}  // namespace uapikit::commands
