#include "commands/report_command.hpp"

#include "abi/version_catalog.hpp"
#include "analysis/abi_diff.hpp"
#include "emit/html_report.hpp"
#include "util/atomic_file.hpp"
#include "util/errors.hpp"

#include <memory>

namespace uapikit::commands {

std::function<int()> add_report_command(CLI::App& app) {
    struct State {
        std::string subject, against, output, abi_dir;
        bool html = false, all_files = false, changed_only = false;
    };
    auto state = std::make_shared<State>();
    CLI::App* cmd = app.add_subcommand("report", "Draw every struct of a version as a byte grid per target (HTML).");
    cmd->add_option("version", state->subject, "A version name from abi/ or a manifest file")->required();
    cmd->add_flag("--html", state->html, "Write a self-contained HTML page (the default, and the only format so far)");
    cmd->add_option("--against", state->against,
                    "Also mark the bytes that differ from this version and list what 'diff' says of each struct");
    cmd->add_flag("--changed-only", state->changed_only,
                  "With --against: draw only the structs that differ (the page can also filter itself)");
    cmd->add_option("-o,--output", state->output, "HTML file to write")->required();
    cmd->add_flag("--all-files", state->all_files, "Also draw what the scanned headers include (linux/types.h, ...)");
    cmd->add_option("--abi-dir", state->abi_dir, "Folder of ABI versions (default: $UAPIKIT_ABI_DIR, else the kit's abi/)");
    cmd->footer(
        "Each struct gets one grid per target, 16 bytes to a line, with each field's name over its bytes:\n"
        "fields in blue, implicit padding hatched red, fields whose offset or size differ between targets\n"
        "outlined. With --against, bytes that another field (or padding) holds in the other version are\n"
        "underlined, a struct whose size or alignment changed has its target line marked, and the findings\n"
        "of 'uapikit-gen diff OTHER VERSION' are listed under the struct. No scripts or external files.\n\n"
        "Example:\n  uapikit-gen report tsm-map-rfc1 --against proposed -o layout.html\n\n"
        "Exit status: 0 the page was written; 2 usage or input error (an unknown version, a file that is\n"
        "not a uapikit manifest, an unwritable output: nothing is written); 1 internal error.");
    return [state] {
        AtomicFile file(state->output);
        abi::LoadedAbi loaded = abi::load_version_or_manifest(state->subject, state->abi_dir);
        emit::ReportInput in;
        in.label = loaded.label;
        in.manifest = &loaded.manifest;
        in.all_files = state->all_files;
        in.changed_only = state->changed_only;
        abi::LoadedAbi other;
        analysis::Report findings;
        if (!state->against.empty()) {
            other = abi::load_version_or_manifest(state->against, state->abi_dir);
            in.against_label = other.label;
            in.against = &other.manifest;
            // The same judgement as `diff AGAINST VERSION`.
            analysis::DiffOptions options;
            if (!other.manifest.version.empty() && !loaded.manifest.version.empty()) {
                abi::VersionCatalog catalog(abi::abi_dir_from(state->abi_dir));
                options.new_descends_from_old = catalog.descends_from(loaded.manifest.version, other.manifest.version);
            }
            findings = analysis::diff({other.label, &other.manifest}, {loaded.label, &loaded.manifest}, options);
            in.findings = &findings;
        } else if (state->changed_only) {
            throw input_error("report: --changed-only needs --against VERSION");
        }
        file.commit(emit::html_report(in));
        return 0;
    };
}

}  // namespace uapikit::commands
