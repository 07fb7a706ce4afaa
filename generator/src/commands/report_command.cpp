#include "commands/report_command.hpp"

#include "abi/version_catalog.hpp"
#include "emit/html_report.hpp"
#include "util/atomic_file.hpp"
#include "util/errors.hpp"

#include <memory>

namespace uapikit::commands {

std::function<int()> add_report_command(CLI::App& app) {
    struct State {
        std::string subject, against, output, abi_dir;
        bool html = false, all_files = false;
    };
    auto state = std::make_shared<State>();
    CLI::App* cmd = app.add_subcommand("report", "Draw every struct of a version as a byte grid per target (HTML).");
    cmd->add_option("version", state->subject, "A version name from abi/ or a manifest file")->required();
    cmd->add_flag("--html", state->html, "Write a self-contained HTML page (the only format so far)");
    cmd->add_option("--against", state->against, "Also mark the fields that differ from this version");
    cmd->add_option("-o,--output", state->output, "HTML file to write")->required();
    cmd->add_flag("--all-files", state->all_files, "Also draw what the scanned headers include (linux/types.h, ...)");
    cmd->add_option("--abi-dir", state->abi_dir, "Folder of ABI versions (default: $UAPIKIT_ABI_DIR, else the kit's abi/)");
    cmd->footer(
        "Each struct gets one row per target and one cell per byte: fields in blue, implicit padding\n"
        "hatched red, fields whose offset, size or type differ between targets outlined, and with\n"
        "--against, fields that differ from the other version underlined. No scripts or external files.\n\n"
        "Example:\n  uapikit-gen report --html tsm-map-rfc1 --against proposed -o layout.html");
    return [state] {
        if (!state->html) throw input_error("report: say which format: --html");
        AtomicFile file(state->output);
        abi::LoadedAbi loaded = abi::load_version_or_manifest(state->subject, state->abi_dir);
        emit::ReportInput in{loaded.label, &loaded.manifest, "", nullptr, state->all_files};
        abi::LoadedAbi other;
        if (!state->against.empty()) {
            other = abi::load_version_or_manifest(state->against, state->abi_dir);
            in.against_label = other.label;
            in.against = &other.manifest;
        }
        file.commit(emit::html_report(in));
        return 0;
    };
}

}  // namespace uapikit::commands
