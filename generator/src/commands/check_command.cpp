#include "commands/check_command.hpp"

#include "abi/version_catalog.hpp"
#include "analysis/lints.hpp"
#include "commands/findings_command.hpp"

#include <memory>

namespace uapikit::commands {

std::function<int()> add_check_command(CLI::App& app) {
    struct State {
        std::string subject;
        std::string baseline;
        FindingsOptions findings;
        analysis::CheckOptions check;
    };
    auto state = std::make_shared<State>();
    CLI::App* cmd = app.add_subcommand("check", "Lint one ABI version for the layout problems uapi reviewers ask about.");
    cmd->add_option("version", state->subject, "A version name from abi/ (see 'uapikit-gen abi list') or a manifest file")
        ->required();
    cmd->add_flag("--all-files", state->check.all_files,
                  "Also lint the headers the scanned ones include (linux/types.h, ...); by default only the scanned\n"
                  "headers and their asm/ halves are linted");
    cmd->add_option("--baseline", state->baseline,
                    "Report only what is not already found in this version or manifest (e.g. the version a\n"
                    "proposal builds on), so CI flags what a change adds");
    add_findings_options(*cmd, state->findings);
    cmd->footer(std::string(
                    "Reports, per target: implicit padding (interior or tail); layouts that differ between a 32-bit\n"
                    "target and its 64-bit kernel (i386/x86_64, arm/aarch64); 64-bit fields without 8-byte\n"
                    "alignment; fields whose size depends on the ABI (long, pointers, enums, bool); macros that\n"
                    "do not evaluate in userspace; flag enums whose bits overlap. docs/abi-rules.md explains each.\n\n"
                    "Examples:\n  uapikit-gen check kvm-vm-fd-v2\n  uapikit-gen check kvm-vm-fd-v2 --baseline linux-7.1\n\n") +
                kFindingsExitStatus);
    return [state] {
        abi::LoadedAbi loaded = abi::load_version_or_manifest(state->subject, state->findings.abi_dir);
        analysis::Report report = analysis::check(loaded.manifest, state->check);
        if (!state->baseline.empty()) {
            abi::LoadedAbi base = abi::load_version_or_manifest(state->baseline, state->findings.abi_dir);
            analysis::subtract_known(report, analysis::check(base.manifest, state->check));
        }
        return print_report(report, state->findings, "uapikit-gen check " + state->subject);
    };
}

}  // namespace uapikit::commands
