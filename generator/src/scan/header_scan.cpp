#include "scan/header_scan.hpp"

#include "scan/ast_walker.hpp"
#include "scan/macro_reader.hpp"
#include "scan/origin_mapper.hpp"
#include "scan/probes.hpp"

#include <set>

namespace uapikit::scan {
namespace fs = std::filesystem;
namespace {

// The in-memory main file; never exists on disk.
const char* const kMainFile = "<uapikit-scan>.c";

struct Candidates {
    std::set<std::string> macros;
    std::set<std::string> ioctl_macros;
};

void add_candidates(DefineIndex& defines, const std::vector<fs::path>& files, Candidates& out) {
    for (const auto& file : files)
        for (const DefineLine& d : defines.get(file)->object_like_defines) {
            if (!worth_probing(d)) continue;
            out.macros.insert(d.name);
            if (builds_ioctl_number(d.body)) out.ioctl_macros.insert(d.name);
        }
    // A macro that is another ioctl macro's name is an ioctl too.
    for (bool grew = true; grew;) {
        grew = false;
        for (const auto& file : files)
            for (const DefineLine& d : defines.get(file)->object_like_defines)
                if (out.ioctl_macros.count(d.body) && out.ioctl_macros.insert(d.name).second) grew = true;
    }
}

std::string format_error(const clang::Diagnostic& d) {
    std::string where = d.where.file.empty() || d.where.file == kMainFile ? std::string("<command line>") : d.where.file;
    return where + ":" + std::to_string(d.where.line) + ":" + std::to_string(d.where.column) +
           ": error: " + d.message;
}

bool is_error(const clang::Diagnostic& d) {
    return d.severity == clang::Diagnostic::Severity::Error || d.severity == clang::Diagnostic::Severity::Fatal;
}

}  // namespace

HeaderScan scan_header(clang::Index& index, const HeaderInput& header, const TargetSetup& setup,
                       DefineIndex& defines) {
    OriginMapper origins(setup.roots);
    std::vector<fs::path> files = defines.closure(header.file, setup.include_dirs);
    std::set<fs::path> known(files.begin(), files.end());

    // Normally one pass. A second happens only if clang opened a uapi file
    // the lexical closure did not predict (a computed include), so its
    // macros get probed too.
    for (int pass = 0;; ++pass) {
        Candidates candidates;
        add_candidates(defines, files, candidates);
        ProbePlan plan = plan_probes({header.include_operand}, candidates.macros, candidates.ioctl_macros);
        clang::TranslationUnit tu(index, {kMainFile, plan.source}, setup.clang_args,
                                  {.detailed_preprocessing_record = true});

        std::vector<fs::path> missed;
        for (const auto& f : tu.included_files()) {
            fs::path p = fs::path(f).lexically_normal();
            if (origins.relative(f) && !known.count(p)) missed.push_back(p);
        }
        if (!missed.empty() && pass == 0) {
            for (auto& m : missed) {
                for (auto& extra : defines.closure(m, setup.include_dirs))
                    if (known.insert(extra).second) files.push_back(extra);
            }
            continue;
        }

        HeaderScan out;
        std::map<std::string, std::string> probe_errors;
        for (const auto& d : tu.diagnostics()) {
            if (!is_error(d)) continue;
            if (d.where.file == kMainFile) {
                if (auto it = plan.macro_at_line.find(d.where.line); it != plan.macro_at_line.end()) {
                    probe_errors.emplace(it->second, d.message);
                    continue;
                }
            }
            if (!out.error) out.error = ir::HeaderError{header.name, format_error(d)};
        }
        if (out.error) return out;

        AstWalker walker(origins);
        walker.walk(tu.root());
        out.records = walker.take_records();
        out.enums = walker.take_enums();
        out.macros = read_macros(tu, origins, probe_errors);
        return out;
    }
}

void parse_only(clang::Index& index, const HeaderInput& header, const TargetSetup& setup, bool keep_macros) {
    std::string source = "#include " + header.include_operand + "\n";
    clang::TranslationUnit tu(index, {kMainFile, source}, setup.clang_args,
                              {.detailed_preprocessing_record = keep_macros});
}

}  // namespace uapikit::scan
