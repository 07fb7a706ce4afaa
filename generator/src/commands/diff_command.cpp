#include "commands/diff_command.hpp"

#include "abi/version_catalog.hpp"
#include "analysis/abi_diff.hpp"
#include "commands/findings_command.hpp"
#include "util/errors.hpp"

#include <future>
#include <map>

#include <memory>

namespace uapikit::commands {
namespace {

// Narrows a side to the requested targets; each must be there.
void keep_targets(abi::LoadedAbi& side, const std::vector<std::string>& targets) {
    std::map<std::string, ir::TargetAbi> kept;
    for (const auto& t : targets) {
        auto it = side.manifest.targets.find(t);
        if (it == side.manifest.targets.end()) throw input_error(side.label + " has no target " + t);
        kept[t] = std::move(it->second);
    }
    side.manifest.targets = std::move(kept);
}

}  // namespace

std::function<int()> add_diff_command(CLI::App& app) {
    struct State {
        std::string old_side, new_side;
        std::vector<std::string> targets;
        bool whole_trees = false;
        bool narrowed = false;
        FindingsOptions findings;
    };
    auto state = std::make_shared<State>();
    CLI::App* cmd = app.add_subcommand("diff", "Compare two ABI versions per target and classify every change.");
    cmd->add_option("old", state->old_side, "The older version: a name from abi/ or a manifest file")->required();
    cmd->add_option("new", state->new_side, "The newer version: a name from abi/ or a manifest file")->required();
    cmd->add_option("--target", state->targets,
                    "Compare only this target (repeatable); both sides must have it. Default: all, which must match")
        ->allow_extra_args(false);
    cmd->add_flag("--whole-trees", state->whole_trees,
                  "Each side is every uapi header of its tree: a header only one side scanned was added or removed "
                  "(its declarations are new or removed), not left out");
    cmd->add_flag("--narrowed", state->narrowed,
                  "The new side scanned only some of the headers the old side describes (a check narrowed to a few "
                  "headers against a whole-tree baseline): what the old side has from a header the new side neither "
                  "scanned nor reached through one it scanned is not compared")
        ->excludes("--whole-trees");
    add_findings_options(*cmd, state->findings);
    cmd->footer(std::string(
                    "Each change is compatible, a warning or incompatible by the rules in docs/abi-rules.md; the\n"
                    "iommufd size-field convention makes growth after the last field compatible. When one side is\n"
                    "a partial description, what only the other side has is listed as not compared, not as\n"
                    "removed or new; so is what comes from a header only one side scanned, unless --whole-trees\n"
                    "says both sides are whole kernel trees.\n\n"
                    "Example:\n  uapikit-gen diff linux-7.1 kvm-vm-fd-v2\n\n") +
                kFindingsExitStatus);
    return [state] {
        // The two sides are read at once: a full kernel's manifest is tens
        // of megabytes of JSON. The old side's error, if any, is reported first.
        auto newer = std::async(std::launch::async,
                                [&] { return abi::load_version_or_manifest(state->new_side, state->findings.abi_dir); });
        abi::LoadedAbi o = abi::load_version_or_manifest(state->old_side, state->findings.abi_dir);
        abi::LoadedAbi n = newer.get();
        if (!state->targets.empty()) {
            keep_targets(o, state->targets);
            keep_targets(n, state->targets);
        }
        analysis::DiffOptions options;
        options.whole_trees = state->whole_trees;
        options.new_narrowed = state->narrowed;
        if (!o.manifest.version.empty() && !n.manifest.version.empty()) {
            abi::VersionCatalog catalog(abi::abi_dir_from(state->findings.abi_dir));
            options.new_descends_from_old = catalog.descends_from(n.manifest.version, o.manifest.version);
        }
        return print_report(analysis::diff({o.label, &o.manifest}, {n.label, &n.manifest}, options), state->findings,
                            "uapikit-gen diff " + state->old_side + " " + state->new_side);
    };
}

}  // namespace uapikit::commands
