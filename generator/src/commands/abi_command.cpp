#include "commands/abi_command.hpp"

#include "abi/version_builder.hpp"
#include "analysis/abi_diff.hpp"
#include "analysis/report_output.hpp"
#include "commands/jobs_option.hpp"
#include "manifest/manifest_json.hpp"
#include "manifest/manifest_reader.hpp"
#include "util/atomic_file.hpp"
#include "util/errors.hpp"

#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

namespace uapikit::commands {
namespace {

struct State {
    std::string abi_dir;
    std::string kernel_headers;
    unsigned jobs = 0;
    std::vector<std::string> names;
    CLI::App* list = nullptr;
    CLI::App* update = nullptr;
    CLI::App* verify = nullptr;
    CLI::App* path = nullptr;
};

std::vector<const abi::VersionSpec*> selected(const abi::VersionCatalog& catalog, const std::vector<std::string>& names) {
    std::vector<const abi::VersionSpec*> out;
    if (names.empty())
        for (const auto& v : catalog.versions()) out.push_back(&v);
    for (const auto& name : names) {
        const abi::VersionSpec* v = catalog.find(name);
        if (!v) throw input_error("unknown ABI version '" + name + "' (known: " + catalog.names() + ")");
        out.push_back(v);
    }
    return out;
}

std::string read_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// 1-based number of the first line where the two texts differ.
std::size_t first_different_line(const std::string& a, const std::string& b) {
    std::size_t line = 1;
    for (std::size_t i = 0; i < a.size() && i < b.size() && a[i] == b[i]; ++i)
        if (a[i] == '\n') ++line;
    return line;
}

// What an out-of-date manifest means: `diff` from the committed manifest to
// the fresh scan, in a few words. A new point release of the kernel package
// often moves declarations without changing the ABI (a comment added above
// them), and the reader should not have to find that out by hand.
std::string abi_change_summary(const std::string& committed_text, const std::filesystem::path& committed_path,
                               const ir::Manifest& fresh) {
    ir::Manifest committed;
    try {
        committed = manifest::parse_manifest(committed_text, committed_path.string());
    } catch (const std::exception& e) {
        return "the committed manifest does not read as one (" + std::string(e.what()) + ")";
    }
    analysis::Report report;
    try {
        report = analysis::diff({"committed", &committed}, {"fresh scan", &fresh});
    } catch (const std::exception& e) {
        return "the two cannot be compared (" + std::string(e.what()) + ")";
    }
    if (report.findings.empty())
        return "diff finds no ABI change between them (what moved is where declarations sit in the headers, or "
               "other text the ABI does not depend on)";
    std::string counts = analysis::summary_line(report);
    counts.pop_back();  // its newline
    const analysis::Finding& first = report.findings.front();
    return "diff finds " + counts + "; the first: " + first.kind + " " + first.record +
           (first.field.empty() ? "" : "." + first.field) + ": " + first.message;
}

int list(const abi::VersionCatalog& catalog) {
    for (const auto& v : catalog.versions()) {
        std::cout << v.name << (v.partial ? " (partial)" : "") << ": " << v.summary;
        if (!v.based_on.empty()) std::cout << " [on " << v.based_on << "]";
        if (!std::filesystem::exists(v.manifest_path())) std::cout << " [no manifest yet]";
        std::cout << "\n";
    }
    return 0;
}

// The manifest of one version, or the folder of versions: for scripts
// (uapikit-abi-ci) that read a baseline without knowing where the kit lives.
int path(const State& s, const abi::VersionCatalog& catalog) {
    if (s.names.empty()) {
        std::cout << catalog.abi_dir().string() << "\n";
        return 0;
    }
    for (const abi::VersionSpec* v : selected(catalog, s.names)) {
        if (!std::filesystem::exists(v->manifest_path()))
            throw input_error("version '" + v->name + "' has no manifest yet: run 'uapikit-gen abi update " + v->name + "'");
        std::cout << v->manifest_path().string() << "\n";
    }
    return 0;
}

int update_or_verify(const State& s, const abi::VersionCatalog& catalog, bool verify) {
    abi::BuildPaths paths{catalog.abi_dir(), abi::kernel_headers_from(s.kernel_headers), s.jobs};
    int status = 0;
    for (const abi::VersionSpec* v : selected(catalog, s.names)) {
        if (!verify) {
            AtomicFile file(v->manifest_path());
            file.commit(manifest::to_json_text(abi::build_version(*v, paths)));
            std::cout << v->name << ": wrote " << v->manifest_path().string() << "\n";
            continue;
        }
        ir::Manifest scanned = abi::build_version(*v, paths);
        std::string fresh = manifest::to_json_text(scanned);
        std::string committed = read_file(v->manifest_path());
        if (fresh == committed) {
            std::cout << v->name << ": up to date\n";
            continue;
        }
        status = 8;
        std::cout << v->name << ": out of date: " << v->manifest_path().string() << " differs from a fresh scan at line "
                  << first_different_line(fresh, committed) << "; "
                  << abi_change_summary(committed, v->manifest_path(), scanned) << "; run 'uapikit-gen abi update "
                  << v->name << "'\n";
    }
    return status;
}

}  // namespace

std::function<int()> add_abi_command(CLI::App& app) {
    auto s = std::make_shared<State>();
    CLI::App* cmd = app.add_subcommand("abi", "List the shipped ABI versions, rebuild their manifests, or verify them.");
    cmd->require_subcommand(1);
    cmd->add_option("--abi-dir", s->abi_dir, "Folder of ABI versions (default: $UAPIKIT_ABI_DIR, else the kit's abi/)");
    cmd->footer(
        "A version is a folder abi/<name>/ with a version.json (what to scan: headers, -I folders using\n"
        "{abi}, {kernel} and {arch}, -D switches, whether it is partial) and the manifest.json that\n"
        "'abi update' writes from it. {kernel} is a folder of Linux 6.12 headers_install trees, one per\n"
        "ARCH (scripts/kernel-headers.sh builds them). See abi/README.md.\n\n"
        "Exit status: 0 success; 2 usage or input error; 8 'verify' found a manifest out of date.");
    s->list = cmd->add_subcommand("list", "List the versions");
    s->update = cmd->add_subcommand("update", "Rescan versions and rewrite their manifest.json");
    s->verify = cmd->add_subcommand("verify", "Rescan versions and fail (exit 8) when a committed manifest differs");
    s->path = cmd->add_subcommand("path", "Print the manifest file of each named version (no name: the ABI folder)");
    s->path->add_option("versions", s->names, "Versions whose manifest to print");
    // --abi-dir may also follow the action: `abi verify --abi-dir DIR`.
    for (CLI::App* sub : {s->list, s->update, s->verify, s->path}) sub->fallthrough();
    for (CLI::App* sub : {s->update, s->verify}) {
        sub->add_option("versions", s->names, "Versions to process (default: all)");
        sub->add_option("--kernel-headers", s->kernel_headers,
                        "Folder holding <arch>/include headers_install trees (default: $UAPIKIT_KERNEL_HEADERS, else "
                        "the build's cache)");
        add_jobs_option(sub, s->jobs);
    }
    return [s] {
        abi::VersionCatalog catalog(abi::abi_dir_from(s->abi_dir));
        if (s->list->parsed()) return list(catalog);
        if (s->path->parsed()) return path(*s, catalog);
        return update_or_verify(*s, catalog, s->verify->parsed());
    };
}

}  // namespace uapikit::commands
