#include "scan/header_scan.hpp"

#include "scan/ast_walker.hpp"
#include "scan/macro_reader.hpp"
#include "scan/origin_mapper.hpp"
#include "scan/probes.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace uapikit::scan {
namespace fs = std::filesystem;
namespace {

// The in-memory main file; never exists on disk.
const char* const kMainFile = "<uapikit-scan>.c";

struct Candidates {
    ProbeSet probes;
    std::set<std::string> ioctl_macros;
    Redefinitions redefinitions;
};

// Probes the macros of `probe_files`; whether one is an ioctl number may
// depend on an alias chain through any file of the closure, which is only
// worth following for the names actually probed.
Candidates candidates_for(DefineIndex& defines, const ProbeScope& scope) {
    Candidates out;
    for (const auto& file : scope.closure) {
        if (!scope.probe_files.count(file.native())) continue;
        auto text = defines.get(file);
        out.probes.values.insert(text->probe_names.begin(), text->probe_names.end());
        out.probes.literals.insert(text->literal_names.begin(), text->literal_names.end());
    }
    // A name defined as a literal in one file and otherwise in another is
    // evaluated by clang.
    for (const auto& name : out.probes.values) out.probes.literals.erase(name);
    if (out.probes.values.empty() && out.probes.literals.empty()) return out;

    std::vector<std::shared_ptr<const HeaderText>> texts;  // keep the views below valid
    std::unordered_set<std::string_view> ioctl_names;
    std::unordered_multimap<std::string_view, std::string_view> aliases;  // name -> what it stands for
    for (const auto& file : scope.closure) {
        texts.push_back(defines.get(file));
        ioctl_names.insert(texts.back()->ioctl_names.begin(), texts.back()->ioctl_names.end());
        ioctl_names.insert(texts.back()->ioctl_wrappers.begin(), texts.back()->ioctl_wrappers.end());
        for (const auto& [name, target] : texts.back()->aliases) aliases.emplace(name, target);
        // A call of a wrapper (or of a wrapper of a wrapper) builds a
        // request too: treated like an alias of what it calls.
        for (const auto& [name, called] : texts.back()->calls)
            for (const auto& callee : called) aliases.emplace(name, callee);
        // A probed name that a file not probed here defines as well: that
        // definition may be the one in force at the end.
        if (scope.probe_files.count(file.native())) continue;
        for (const auto& d : texts.back()->object_like_defines)
            if (out.probes.values.count(d.name) || out.probes.literals.count(d.name)) {
                out.redefinitions.names.insert(d.name);
                out.redefinitions.files.insert(file.native());
            }
    }
    if (out.probes.values.empty()) return out;
    // A macro that names an ioctl macro is an ioctl too, through any
    // number of such steps; `seen` stops a cycle.
    std::unordered_set<std::string_view> seen;
    std::function<bool(std::string_view)> is_ioctl = [&](std::string_view name) {
        if (ioctl_names.count(name)) return true;
        if (!seen.insert(name).second) return false;
        auto [first, last] = aliases.equal_range(name);
        return std::any_of(first, last, [&](const auto& alias) { return is_ioctl(alias.second); });
    };
    for (const auto& name : out.probes.values) {
        seen.clear();
        if (is_ioctl(name)) out.ioctl_macros.insert(name);
    }
    out.probes.ioctl_encoding = !out.ioctl_macros.empty();
    out.probes.argument_sizes = out.ioctl_macros;
    return out;
}

// What to do about an include clang could not find. uapi headers include
// each other by <linux/...> and <asm/...>; asm/ exists only in the output of
// `make headers_install` (a source tree keeps it per architecture, under
// arch/ARCH/include/uapi), the usual reason it is missing.
std::string missing_include_hint(const std::string& message) {
    static const std::string suffix = "' file not found";
    if (!message.starts_with("'") || !message.ends_with(suffix)) return "";
    const std::string name = message.substr(1, message.size() - 1 - suffix.size());
    if (name.starts_with("asm/"))
        return " (asm/ headers exist only in `make headers_install` output: give -I its include/ folder, not a "
               "kernel source tree's include/uapi)";
    // Headers every headers_install tree has: when one of them is missing,
    // -I is wrong. (Another missing linux/ or xen/ header may be one the
    // kernel never exports, and sys/ or stdlib.h the C library's.)
    for (const char* base : {"linux/types.h", "linux/ioctl.h", "linux/const.h", "linux/posix_types.h"})
        if (name == base)
            return " (give -I the folder that holds linux/, e.g. the include/ folder of `make headers_install` output)";
    if (name.starts_with("asm-generic/"))
        return " (give -I the folder that holds asm-generic/, e.g. the include/ folder of `make headers_install` output)";
    return "";
}

// An error in the in-memory main file is about its #include of the header,
// so it is reported against the header's name.
std::string format_error(const clang::Diagnostic& d, const std::string& header) {
    std::string where = d.where.file == kMainFile ? header : d.where.file.empty() ? "<command line>" : d.where.file;
    return where + ":" + std::to_string(d.where.line) + ":" + std::to_string(d.where.column) +
           ": error: " + d.message + missing_include_hint(d.message);
}

// An error the header leaves open (a struct without its closing brace)
// surfaces after the #include, among the probes. Parsed as the main file,
// the header gets clang's own location for it.
std::string error_in_header_alone(clang::Index& index, const HeaderInput& header, const std::vector<std::string>& args) {
    std::ifstream in(header.file, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    clang::TranslationUnit alone(index, {header.file.native(), text}, args, {});
    auto errors = alone.errors();
    if (errors.empty()) return header.name + ":1:1: error: the header does not compile when included";
    return format_error(errors.front(), header.name);
}

}  // namespace

HeaderScan scan_header(clang::Index& index, const HeaderInput& header, const TargetShared& target,
                       const ProbeScope& scope, const DeclarationScope& declarations) {
    FileOrigins origins(target.origins);
    Candidates candidates = candidates_for(target.defines, scope);
    ProbePlan plan = plan_probes({header.include_operand}, candidates.probes);
    clang::TranslationUnit tu(index, {kMainFile, plan.source}, target.setup.clang_args,
                              {.detailed_preprocessing_record = true});

    // The #include cursors name every file the parse entered: cheaper than
    // clang_getInclusions, which walks every macro expansion as well.
    HeaderScan out;
    auto top = tu.root().children();
    for (const auto& c : top)
        if (c.kind() == clang::CursorKind::InclusionDirective)
            if (const auto& m = origins(c.included_file()); m.relative) out.included.insert(m.normalised);

    std::map<std::string, std::string> probe_errors;
    bool error_after_header = false;  // the first error lies in the main file, past the #include
    for (const auto& d : tu.errors()) {
        if (d.where.file == kMainFile) {
            if (auto it = plan.macro_at_line.find(d.where.line); it != plan.macro_at_line.end()) {
                probe_errors.emplace(it->second, d.message);
                continue;
            }
            if (plan.quiet_lines.count(d.where.line)) continue;
        }
        if (out.error) continue;
        out.error = ir::HeaderError{header.name, format_error(d, header.name)};
        error_after_header = d.where.file == kMainFile;
        // Where it failed, so that headers including the same file can be
        // expected to fail too (see ProbeClaims).
        const auto& at = target.origins.map(d.where.file == kMainFile ? header.file.native() : d.where.file);
        if (at.relative) out.failed_in = at.normalised;
    }
    if (error_after_header) out.error->message = error_in_header_alone(index, header, target.setup.clang_args);
    if (out.error) return out;

    if (declarations.wanted) {
        AstWalker walker(origins);
        walker.walk(top, [&](const AstWalker::Key& key) { return target.reports.reported_before(key, declarations.header); });
        out.records = walker.take_records();
        out.enums = walker.take_enums();
        target.reports.add(walker.take_walked(), declarations.header);
    }
    MacroReading macros = read_macros(tu, top, origins, probe_errors, scope.probe_files, candidates.probes,
                                      candidates.ioctl_macros, candidates.redefinitions);
    out.macros = std::move(macros.macros);
    out.macro_files = std::move(macros.macro_files);
    out.unresolved = std::move(macros.unresolved_files);
    return out;
}

void parse_only(clang::Index& index, const HeaderInput& header, const TargetSetup& setup, bool keep_macros) {
    std::string source = "#include " + header.include_operand + "\n";
    clang::TranslationUnit tu(index, {kMainFile, source}, setup.clang_args,
                              {.detailed_preprocessing_record = keep_macros});
}

}  // namespace uapikit::scan
