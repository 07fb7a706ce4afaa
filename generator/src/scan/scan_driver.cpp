#include "scan/scan_driver.hpp"

#include "clang/libclang.hpp"
#include "scan/define_index.hpp"
#include "scan/header_scan.hpp"
#include "scan/macro_rounds.hpp"
#include "scan/probe_claims.hpp"
#include "scan/targets.hpp"
#include "scan/tree_check.hpp"
#include "util/errors.hpp"
#include "util/progress.hpp"
#include "util/task_pool.hpp"
#include "version.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <functional>
#include <memory>
#include <numeric>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_set>

namespace uapikit::scan {
namespace fs = std::filesystem;
namespace {

struct PreparedTarget {
    const Target* target;
    TargetSetup setup;
    std::vector<HeaderInput> headers;
};

// A file path is written as one: absolute, or starting with ./ or ../.
bool is_written_as_path(const std::string& spec) {
    return spec.starts_with("/") || spec.starts_with("./") || spec.starts_with("../");
}

// An include-style name ("linux/kvm.h") is looked up only as #include <...>
// would, in the -I folders, even when a file of that name sits in the
// current folder; a path is taken as it is. When nothing is found,
// `not_found` says why. `dir_texts` are the -I folders as given.
HeaderInput resolve_header(const std::string& spec, const std::vector<fs::path>& include_dirs,
                           const std::vector<std::string>& dir_texts, std::vector<fs::path>& roots) {
    std::error_code ec;
    if (is_written_as_path(spec)) {
        if (!fs::is_regular_file(spec, ec)) return {spec, {}, {}, {}, "header file '" + spec + "' not found"};
        fs::path absolute = fs::absolute(spec).lexically_normal();
        roots.push_back(absolute.parent_path());
        std::string name = fs::path(spec).lexically_normal().generic_string();
        return {name, "\"" + absolute.string() + "\"", absolute, name, {}};
    }
    for (std::size_t i = 0; i < include_dirs.size(); ++i) {
        fs::path candidate = include_dirs[i] / spec;
        if (fs::is_regular_file(candidate, ec))
            return {spec, "<" + spec + ">", candidate.lexically_normal(), (fs::path(dir_texts[i]) / spec).generic_string(), {}};
    }
    std::string searched;
    for (const auto& dir : include_dirs) searched += (searched.empty() ? "" : ", ") + dir.string();
    std::string hint = fs::is_regular_file(spec, ec)
                           ? "; an include-style name is looked up only in the -I folders: to scan the file '" + spec +
                                 "' of the current folder, give its path as ./" + spec
                           : "";
    return {spec, {}, {}, {}, "header '" + spec + "' not found" +
                                  (searched.empty() ? std::string(" (no -I folders given)") : " in " + searched) + hint};
}

std::vector<PreparedTarget> prepare(const ScanRequest& request) {
    if (request.headers.empty()) throw input_error("no headers to scan");
    for (const auto& define : request.defines)
        if (define.empty() || define.front() == '=')
            throw input_error("-D needs NAME or NAME=VALUE, got '" + define + "'");
    std::vector<std::string> triples = request.targets;
    if (triples.empty()) triples.push_back("x86_64-linux-gnu");
    std::vector<PreparedTarget> out;
    std::set<std::string> seen;
    clang::Index index;  // for the tree checks
    for (const auto& triple : triples) {
        const Target* target = find_target(triple);
        if (!target) throw input_error("unknown target '" + triple + "' (supported: " + supported_target_list() + ")");
        if (!seen.insert(triple).second) continue;
        PreparedTarget p{target, {}, {}};
        std::vector<std::string> dirs;
        for (const auto& dir : request.include_dirs) {
            std::string expanded = expand_include_dir(dir, *target);
            std::error_code ec;
            if (!fs::is_directory(expanded, ec))
                throw input_error("include folder '" + expanded + "' does not exist (for " + triple + ")");
            dirs.push_back(expanded);
            p.setup.include_dirs.push_back(fs::path(expanded).lexically_normal());
        }
        p.setup.roots = p.setup.include_dirs;
        std::set<std::string> named;  // a header named twice is scanned and recorded once, as a target is
        for (const auto& spec : request.headers) {
            if (!named.insert(spec).second) continue;
            p.headers.push_back(resolve_header(spec, p.setup.include_dirs, dirs, p.setup.roots));
            // With --keep-going, a header one architecture does not export
            // (linux/kvm.h on arm) is that target's failure, not the run's.
            if (!p.headers.back().not_found.empty() && !request.keep_going)
                throw input_error(p.headers.back().not_found);
        }
        // The -I folders as the user wrote them: the manifest records
        // exactly what clang was given.
        p.setup.clang_args = clang_arguments(*target, dirs, request.defines);
        check_tree_architecture(index, *target, p.setup.include_dirs, p.setup.clang_args);
        out.push_back(std::move(p));
    }
    return out;
}

// What makes two declarations the same one: the name and where it is
// declared. Built with one allocation, since every declaration of every
// header is keyed.
template <typename T>
std::string merge_key(const T& item) {
    const ir::Origin& o = item.origin;
    std::string key;
    key.reserve(item.name.size() + o.file.size() + 24);
    key.append(item.name).append(1, '@').append(o.file).append(1, ':');
    key.append(std::to_string(o.line)).append(1, ':').append(std::to_string(o.column));
    return key;
}

template <typename T>
void append_unique(std::vector<T>& into, std::vector<T>&& from, std::unordered_set<std::string>& seen) {
    for (auto& item : from)
        if (seen.insert(merge_key(item)).second) into.push_back(std::move(item));
}

// Sorts by name, then origin. The order is worked out on indices and each
// item is moved once: moving the large items is what a direct sort spends
// most of its time on.
template <typename T>
void sort_by_name(std::vector<T>& items) {
    std::vector<std::size_t> order(items.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        const T& x = items[a];
        const T& y = items[b];
        return std::tie(x.name, x.origin.file, x.origin.line, x.origin.column) <
               std::tie(y.name, y.origin.file, y.origin.line, y.origin.column);
    });
    std::vector<T> sorted;
    sorted.reserve(items.size());
    for (std::size_t i : order) sorted.push_back(std::move(items[i]));
    items = std::move(sorted);
}

}  // namespace

namespace {

// One target's results merged in input order: the first occurrence of each
// declaration wins, then everything is sorted by name for a stable file.
ir::TargetAbi merge_target(const PreparedTarget& target, std::vector<HeaderScan>& results,
                           const std::vector<std::string>& failures, bool keep_going) {
    ir::TargetAbi abi;
    abi.triple = std::string(target.target->triple);
    abi.clang_args = target.setup.clang_args;
    std::unordered_set<std::string> seen_records, seen_enums, seen_macros;  // membership only: order comes from the sort
    for (std::size_t h = 0; h < target.headers.size(); ++h) {
        HeaderScan& r = results[h];
        abi.headers.push_back(target.headers[h].name);
        abi.header_files.push_back(target.headers[h].read_as);
        if (!failures[h].empty()) throw InputError(failures[h]);
        if (r.error) {
            if (!keep_going) throw InputError(r.error->message);
            abi.errors.push_back(*r.error);
            continue;
        }
        append_unique(abi.records, std::move(r.records), seen_records);
        append_unique(abi.enums, std::move(r.enums), seen_enums);
        append_unique(abi.macros, std::move(r.macros), seen_macros);
    }
    sort_by_name(abi.records);
    sort_by_name(abi.enums);
    sort_by_name(abi.macros);
    return abi;
}

}  // namespace

namespace {

using Pool = TaskPool<clang::Index>;

// One target's way through a scan: include closures and probe claims, the
// first round of parses, the macro rounds, the merge. Each stage is queued
// as soon as the one before it ends, so one target's rounds and merge run
// while the other threads parse the next target.
struct TargetRun {
    explicit TargetRun(const PreparedTarget& t) : target(t), origins(t.setup.roots) {}

    const PreparedTarget& target;
    OriginMapper origins;
    std::vector<ProbeScope> scopes;
    std::vector<HeaderScan> results;    // first round, by header; macro rounds add macros
    std::vector<std::string> failures;  // libclang could not parse at all
    FirstReports reports;
    ProbeClaims claims;
    std::optional<MacroRounds> rounds;
    std::vector<FileSet> probed;              // the current round's files, by header
    std::vector<HeaderScan> round;            // the current round's results, by header
    std::vector<std::size_t> round_headers;   // who parses in the current round
    std::atomic<std::size_t> outstanding{0};  // parses left in the current round
    ir::TargetAbi merged;
    std::exception_ptr merge_error;
};

class ScanRun {
public:
    explicit ScanRun(const ScanRequest& request) : request_(request), targets_(prepare(request)) {
        std::size_t parses = 0;
        for (const auto& target : targets_) {
            runs_.push_back(std::make_unique<TargetRun>(target));
            parses += target.headers.size();
        }
        progress_.emplace("uapikit-gen scan: parses", parses);
    }

    ir::Manifest run() {
        Pool pool;
        pool.push([this, &pool](clang::Index&) { start(0, pool); });
        pool.run(request_.jobs, [] { return std::make_unique<clang::Index>(); });
        progress_.reset();

        ir::Manifest manifest;
        manifest.generator = std::string("uapikit-gen ") + kVersion;
        // A failure is reported for the first target in the order given.
        for (auto& run : runs_) {
            if (run->merge_error) std::rethrow_exception(run->merge_error);
            manifest.targets.emplace(run->merged.triple, std::move(run->merged));
        }
        return manifest;
    }

private:
    // Works out target t's include closures and first claims, queueing each
    // header's first parse as soon as its claims are known, behind the
    // parses already queued; then queues the next target's start before them.
    void start(std::size_t t, Pool& pool) {
        TargetRun& run = *runs_[t];
        std::size_t count = run.target.headers.size();
        run.scopes.resize(count);  // sized up front: queued parses read their element
        run.results.resize(count);
        run.failures.resize(count);
        run.outstanding = count;
        for (std::size_t h = 0; h < count; ++h) {
            const HeaderInput& header = run.target.headers[h];
            if (header.not_found.empty()) {
                run.scopes[h].closure = defines_.closure(header.file, run.target.setup.include_dirs);
                run.scopes[h].probe_files = run.claims.claim_unclaimed(h, run.scopes[h].closure);
            }
            pool.push([this, &run, h, &pool](clang::Index& index) {
                parse(index, run, h, run.results[h], true);
                if (--run.outstanding == 0) first_round_done(run, pool);
            });
        }
        if (t + 1 < runs_.size()) pool.push([this, t, &pool](clang::Index&) { start(t + 1, pool); }, true);
    }

    void parse(clang::Index& index, TargetRun& run, std::size_t h, HeaderScan& into, bool first_round) {
        const HeaderInput& header = run.target.headers[h];
        ProbeScope& scope = run.scopes[h];
        if (first_round) scope.probe_files.merge(run.claims.claim_released(h, scope.closure));
        if (!header.not_found.empty()) {
            into.error = ir::HeaderError{header.name, header.not_found};
        } else {
            try {
                TargetShared shared{run.target.setup, defines_, run.origins, run.reports};
                into = scan_header(index, header, shared, scope, {first_round, h});
            } catch (const clang::ParseFailure& f) {
                run.failures[h] = header.name + ": error: " + f.message;
            }
        }
        if (first_round) run.claims.settle(h, scope.probe_files, into);
        progress_->tick();
    }

    void first_round_done(TargetRun& run, Pool& pool) {
        run.rounds.emplace(run.results);
        run.probed.clear();
        for (const auto& scope : run.scopes) run.probed.push_back(scope.probe_files);
        run.rounds->record(run.probed, run.results);
        next_round(run, pool);
    }

    // Queues the target's next macro round ahead of everything else, or
    // merges the target when no file is left to evaluate.
    void next_round(TargetRun& run, Pool& pool) {
        run.probed = run.rounds->next();
        run.round_headers.clear();
        for (std::size_t h = 0; h < run.probed.size(); ++h) {
            if (run.probed[h].empty()) continue;
            ProbeScope& scope = run.scopes[h];
            scope.probe_files = run.probed[h];
            for (const auto& f : scope.probe_files)
                if (std::find(scope.closure.begin(), scope.closure.end(), fs::path(f)) == scope.closure.end())
                    scope.closure.emplace_back(f);
            run.round_headers.push_back(h);
        }
        if (run.round_headers.empty()) {
            merge(run);
            return;
        }
        run.round.assign(run.probed.size(), HeaderScan{});
        run.outstanding = run.round_headers.size();
        progress_->add(run.round_headers.size());
        // Pushed to the front in reverse, so they run in input order.
        for (auto it = run.round_headers.rbegin(); it != run.round_headers.rend(); ++it)
            pool.push(
                [this, &run, h = *it, &pool](clang::Index& index) {
                    parse(index, run, h, run.round[h], false);
                    if (--run.outstanding == 0) round_done(run, pool);
                },
                true);
    }

    void round_done(TargetRun& run, Pool& pool) {
        for (std::size_t h : run.round_headers) {
            HeaderScan& into = run.results[h];
            for (auto& m : run.round[h].macros) into.macros.push_back(std::move(m));
            for (auto& f : run.round[h].macro_files) into.macro_files.push_back(std::move(f));
        }
        run.rounds->record(run.probed, run.round);
        next_round(run, pool);
    }

    // Drops what a header reported for a file whose walk ended before that
    // header (see MacroRounds::counts).
    static void keep_walked_macros(TargetRun& run) {
        std::vector<FileSet> uncounted = run.rounds->uncounted();
        for (std::size_t h = 0; h < run.results.size(); ++h) {
            if (uncounted[h].empty()) continue;
            HeaderScan& r = run.results[h];
            std::vector<ir::Macro> kept;
            std::vector<std::string> kept_files;
            for (std::size_t i = 0; i < r.macros.size(); ++i) {
                if (uncounted[h].count(r.macro_files[i])) continue;
                kept.push_back(std::move(r.macros[i]));
                kept_files.push_back(std::move(r.macro_files[i]));
            }
            r.macros = std::move(kept);
            r.macro_files = std::move(kept_files);
        }
    }

    void merge(TargetRun& run) {
        keep_walked_macros(run);
        run.rounds.reset();
        try {
            run.merged = merge_target(run.target, run.results, run.failures, request_.keep_going);
        } catch (...) {
            run.merge_error = std::current_exception();
        }
        if (!run.merge_error && request_.on_target_merged) request_.on_target_merged(run.merged);
        run.results = {};
        run.round = {};
    }

    const ScanRequest& request_;
    std::vector<PreparedTarget> targets_;
    std::vector<std::unique_ptr<TargetRun>> runs_;
    DefineIndex defines_;
    std::optional<Progress> progress_;
};

}  // namespace

ir::Manifest scan(const ScanRequest& request) { return ScanRun(request).run(); }

void parse_only(const ScanRequest& request, bool keep_macros) {
    std::vector<PreparedTarget> targets = prepare(request);
    TaskPool<clang::Index> pool;
    for (const auto& target : targets)
        for (const auto& header : target.headers)
            if (header.not_found.empty())
                pool.push([&](clang::Index& index) {
                    try {
                        scan::parse_only(index, header, target.setup, keep_macros);
                    } catch (const clang::ParseFailure&) {
                    }
                });
    pool.run(request.jobs, [] { return std::make_unique<clang::Index>(); });
}

}  // namespace uapikit::scan
