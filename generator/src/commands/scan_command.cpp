#include "commands/scan_command.hpp"

#include "commands/jobs_option.hpp"
#include "manifest/manifest_json.hpp"
#include "scan/scan_driver.hpp"
#include "scan/targets.hpp"
#include "util/atomic_file.hpp"

#include <iostream>
#include <memory>

namespace uapikit::commands {

std::function<int()> add_scan_command(CLI::App& app) {
    auto request = std::make_shared<scan::ScanRequest>();
    auto output = std::make_shared<std::string>();
    auto partial = std::make_shared<bool>(false);
    CLI::App* cmd = app.add_subcommand(
        "scan", "Parse uapi headers with libclang and write their exact layout per target as a JSON manifest.");
    cmd->footer(
        "Each header is parsed on its own, once per target, as C (gnu11) with no libc or host headers:\n"
        "only the -I folders and clang's builtin headers. An -I folder may contain {arch} (the kernel\n"
        "ARCH, e.g. x86, arm64) or {triple}, so one command can use a `make headers_install` tree per\n"
        "architecture. Supported targets: " + scan::supported_target_list() + ".\n\n"
        "Example:\n"
        "  uapikit-gen scan linux/iommufd.h -I build/cache/linux-6.12/{arch}/include \\\n"
        "      --target x86_64-linux-gnu --target i386-linux-gnu -o iommufd.json\n\n"
        "Exit status: 0 on success, 2 for bad usage or input (nothing is written), 1 for an internal error.");
    cmd->add_option("headers", request->headers, "Headers to scan: include-style names (linux/kvm.h) or file paths")
        ->required();
    cmd->add_option("-I", request->include_dirs, "Folder to search for #include <...> (repeatable)")
        ->allow_extra_args(false);
    cmd->add_option("-D", request->defines, "Define a macro for the parse: NAME or NAME=VALUE (repeatable)")
        ->allow_extra_args(false);
    cmd->add_option("--target", request->targets, "Target triple (repeatable; default x86_64-linux-gnu)")
        ->allow_extra_args(false);
    cmd->add_option("-o,--output", *output, "Manifest file to write")->required();
    add_jobs_option(cmd, request->jobs);
    cmd->add_flag("--keep-going", request->keep_going,
                  "List headers that do not compile under the target's \"errors\" instead of failing");
    cmd->add_flag("--partial", *partial,
                  "Mark the manifest as describing only part of an interface: diff reports what the other side\n"
                  "has beyond it as not covered instead of removed or new");
    return [request, output, partial] {
        // Open the destination first: an unwritable path fails in
        // milliseconds, not after the scan.
        AtomicFile file(*output);
        // Each target's text is written while the others are still parsed.
        manifest::TargetTexts texts;
        request->on_target_merged = [&texts](const ir::TargetAbi& abi) { texts.add(abi); };
        ir::Manifest manifest = scan::scan(*request);
        manifest.partial = *partial;
        for (const auto& [triple, abi] : manifest.targets)
            for (const auto& e : abi.errors) std::cerr << "uapikit-gen: warning: " << triple << ": skipped " << e.header << ": " << e.message << "\n";
        file.commit(manifest::to_json_text(manifest, texts.take()));
        return 0;
    };
}

}  // namespace uapikit::commands
