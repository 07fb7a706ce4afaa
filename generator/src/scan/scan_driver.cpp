#include "scan/scan_driver.hpp"

#include "clang/libclang.hpp"
#include "scan/define_index.hpp"
#include "scan/header_scan.hpp"
#include "scan/targets.hpp"
#include "util/errors.hpp"
#include "util/progress.hpp"
#include "version.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <functional>
#include <set>
#include <thread>
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

// A path that exists is taken as a path; anything else is looked up the way
// #include <...> would. When nothing is found, `not_found` says why.
HeaderInput resolve_header(const std::string& spec, const std::vector<fs::path>& include_dirs,
                           std::vector<fs::path>& roots) {
    std::error_code ec;
    if (fs::is_regular_file(spec, ec)) {
        fs::path absolute = fs::absolute(spec).lexically_normal();
        roots.push_back(absolute.parent_path());
        return {fs::path(spec).lexically_normal().generic_string(), "\"" + absolute.string() + "\"", absolute, {}};
    }
    for (const auto& dir : include_dirs) {
        fs::path candidate = dir / spec;
        if (fs::is_regular_file(candidate, ec)) return {spec, "<" + spec + ">", candidate.lexically_normal(), {}};
    }
    std::string searched;
    for (const auto& dir : include_dirs) searched += (searched.empty() ? "" : ", ") + dir.string();
    return {spec, {}, {}, "header '" + spec + "' not found" +
                              (searched.empty() ? std::string(" (no -I folders given)") : " in " + searched)};
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
        for (const auto& spec : request.headers) {
            p.headers.push_back(resolve_header(spec, p.setup.include_dirs, p.setup.roots));
            // With --keep-going, a header one architecture does not export
            // (linux/kvm.h on arm) is that target's failure, not the run's.
            if (!p.headers.back().not_found.empty() && !request.keep_going)
                throw input_error(p.headers.back().not_found);
        }
        // The -I folders as the user wrote them: the manifest records
        // exactly what clang was given.
        p.setup.clang_args = clang_arguments(*target, dirs, request.defines);
        out.push_back(std::move(p));
    }
    return out;
}

using Job = std::pair<std::size_t, std::size_t>;  // (target index, header index)

std::vector<Job> all_jobs(const std::vector<PreparedTarget>& targets) {
    std::vector<Job> jobs;
    for (std::size_t t = 0; t < targets.size(); ++t)
        for (std::size_t h = 0; h < targets[t].headers.size(); ++h) jobs.emplace_back(t, h);
    return jobs;
}

// Runs work(worker, i) for i in [0, count) on `threads` threads; `worker`
// is per-thread state made by make_worker().
template <typename MakeWorker, typename Work>
void parallel_for(std::size_t count, unsigned threads, MakeWorker make_worker, Work work) {
    if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
    threads = std::min<unsigned>(threads, static_cast<unsigned>(std::max<std::size_t>(1, count)));
    std::atomic<std::size_t> next{0};
    auto run = [&] {
        auto worker = make_worker();
        for (std::size_t i; (i = next.fetch_add(1)) < count;) work(*worker, i);
    };
    std::vector<std::jthread> pool;
    for (unsigned i = 1; i < threads; ++i) pool.emplace_back(run);
    run();
}

// Each thread parses with its own libclang index (indexes are not shared).
// Long scans count their parses on stderr when it is a terminal.
void run_jobs(const std::vector<Job>& jobs, unsigned threads,
              const std::function<void(clang::Index&, const Job&)>& work) {
    Progress progress("uapikit-gen scan: parses", jobs.size());
    parallel_for(jobs.size(), threads, [] { return std::make_unique<clang::Index>(); },
                 [&](clang::Index& index, std::size_t i) {
                     work(index, jobs[i]);
                     progress.tick();
                 });
}

// Each file's macros are evaluated in one translation unit only: the first
// header, in input order, whose include closure holds the file. The merge
// keeps the first occurrence in input order anyway, so this gives the same
// manifest as probing everywhere, at a fraction of the parse time.
std::vector<std::vector<ProbeScope>> assign_macro_owners(const std::vector<PreparedTarget>& targets,
                                                         DefineIndex& defines, unsigned threads) {
    std::vector<std::vector<ProbeScope>> scopes(targets.size());
    for (std::size_t t = 0; t < targets.size(); ++t) scopes[t].resize(targets[t].headers.size());
    std::vector<Job> jobs = all_jobs(targets);
    parallel_for(jobs.size(), threads, [] { return std::make_unique<int>(); }, [&](int&, std::size_t i) {
        auto [t, h] = jobs[i];
        if (targets[t].headers[h].not_found.empty())
            scopes[t][h].closure = defines.closure(targets[t].headers[h].file, targets[t].setup.include_dirs);
    });
    for (auto& target_scopes : scopes) {
        std::unordered_set<std::string> taken;  // path text: hashing beats comparing paths by component
        for (auto& scope : target_scopes)
            for (const auto& file : scope.closure)
                if (taken.insert(file.native()).second) scope.probe_files.insert(file);
    }
    return scopes;
}

// Macro evaluation may need more rounds after the first: for files no
// successful parse evaluated (the lexical closure missed them, or their
// owner failed to compile), and for files with a definition the evaluating
// parse could not report (#undef'd or overridden before its end). Each such
// file goes to the next successful header, in input order, that opened it.
// The manifest then holds exactly what parsing every header with every
// probe would report, and each round strictly advances, so it ends.
class MacroRounds {
public:
    explicit MacroRounds(const std::vector<HeaderScan>& first) : results_(first) {}

    // Records what a round's parses did with the files they probed.
    void record(const std::vector<std::set<fs::path>>& probed, const std::vector<HeaderScan>& round) {
        for (std::size_t h = 0; h < probed.size(); ++h)
            for (const auto& f : probed[h]) {
                if (!ok(h) || !round[h].included.count(f)) continue;  // not evaluated here
                if (round[h].unresolved.count(f)) {
                    pending_after_[f] = h;
                } else {
                    done_.insert(f);
                    pending_after_.erase(f);
                }
            }
        // Files some parse opened that nobody has evaluated yet. The first
        // round's results never change, and from then on every file they
        // opened is either done or pending, so this is needed once only.
        if (seeded_) return;
        seeded_ = true;
        for (std::size_t h = 0; h < results_.size(); ++h)
            if (ok(h))
                for (const auto& f : results_[h].included)
                    if (!done_.count(f)) pending_after_.try_emplace(f, kNone);
    }

    // Files each header should probe next round; empty when finished.
    std::vector<std::set<fs::path>> next() {
        std::vector<std::set<fs::path>> assign(results_.size());
        std::vector<fs::path> exhausted;
        for (const auto& [f, after] : pending_after_) {
            std::size_t h = after == kNone ? 0 : after + 1;
            while (h < results_.size() && !(ok(h) && results_[h].included.count(f))) ++h;
            if (h < results_.size())
                assign[h].insert(f);
            else
                exhausted.push_back(f);  // no header reports it: neither would a full parse
        }
        for (const auto& f : exhausted) {
            pending_after_.erase(f);
            done_.insert(f);
        }
        return assign;
    }

private:
    static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
    bool ok(std::size_t h) const { return !results_[h].error; }

    const std::vector<HeaderScan>& results_;
    bool seeded_ = false;
    std::set<fs::path> done_;
    std::map<fs::path, std::size_t> pending_after_;  // file -> header index it must come after
};

template <typename T>
void append_unique(std::vector<T>& into, std::vector<T>&& from, std::set<std::string>& seen,
                   std::string (*key)(const T&)) {
    for (auto& item : from)
        if (seen.insert(key(item)).second) into.push_back(std::move(item));
}

std::string origin_key(const ir::Origin& o) { return o.file + ":" + std::to_string(o.line) + ":" + std::to_string(o.column); }
std::string record_key(const ir::Record& r) { return r.name + "@" + origin_key(r.origin); }
std::string enum_key(const ir::Enum& e) { return e.name + "@" + origin_key(e.origin); }
std::string macro_key(const ir::Macro& m) { return m.name + "@" + origin_key(m.origin); }

template <typename T>
void sort_by_name(std::vector<T>& items) {
    std::sort(items.begin(), items.end(), [](const T& a, const T& b) {
        return std::tie(a.name, a.origin.file, a.origin.line, a.origin.column) <
               std::tie(b.name, b.origin.file, b.origin.line, b.origin.column);
    });
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
    std::set<std::string> seen_records, seen_enums, seen_macros;
    for (std::size_t h = 0; h < target.headers.size(); ++h) {
        HeaderScan& r = results[h];
        abi.headers.push_back(target.headers[h].name);
        if (!failures[h].empty()) throw InputError(failures[h]);
        if (r.error) {
            if (!keep_going) throw InputError(r.error->message);
            abi.errors.push_back(*r.error);
            continue;
        }
        append_unique(abi.records, std::move(r.records), seen_records, record_key);
        append_unique(abi.enums, std::move(r.enums), seen_enums, enum_key);
        append_unique(abi.macros, std::move(r.macros), seen_macros, macro_key);
    }
    sort_by_name(abi.records);
    sort_by_name(abi.enums);
    sort_by_name(abi.macros);
    return abi;
}

}  // namespace

ir::Manifest scan(const ScanRequest& request) {
    std::vector<PreparedTarget> targets = prepare(request);
    DefineIndex defines;
    std::vector<std::vector<HeaderScan>> results(targets.size());
    std::vector<std::vector<std::string>> failures(targets.size());
    for (std::size_t t = 0; t < targets.size(); ++t) {
        results[t].resize(targets[t].headers.size());
        failures[t].resize(targets[t].headers.size());
    }
    std::vector<std::vector<ProbeScope>> scopes = assign_macro_owners(targets, defines, request.jobs);
    auto parse = [&](clang::Index& index, const Job& job, std::vector<HeaderScan>& into) {
        auto [t, h] = job;
        const HeaderInput& header = targets[t].headers[h];
        if (!header.not_found.empty()) {
            into[h].error = ir::HeaderError{header.name, header.not_found};
            return;
        }
        try {
            into[h] = scan_header(index, header, targets[t].setup, defines, scopes[t][h]);
        } catch (const clang::ParseFailure& f) {
            failures[t][h] = header.name + ": error: " + f.message;
        }
    };
    // Every header once, with its share of the macros.
    run_jobs(all_jobs(targets), request.jobs,
             [&](clang::Index& index, const Job& job) { parse(index, job, results[job.first]); });

    // Then small rounds until every definition is reported where a parse of
    // its own would report it; all targets share each round.
    std::vector<MacroRounds> rounds;
    std::vector<std::vector<std::set<fs::path>>> probed(targets.size());
    for (std::size_t t = 0; t < targets.size(); ++t) {
        rounds.emplace_back(results[t]);
        for (const auto& scope : scopes[t]) probed[t].push_back(scope.probe_files);
        rounds[t].record(probed[t], results[t]);
    }
    for (;;) {
        std::vector<Job> jobs;
        for (std::size_t t = 0; t < targets.size(); ++t) {
            probed[t] = rounds[t].next();
            for (std::size_t h = 0; h < probed[t].size(); ++h) {
                if (probed[t][h].empty()) continue;
                ProbeScope& scope = scopes[t][h];
                scope.probe_files = probed[t][h];
                for (const auto& f : scope.probe_files)
                    if (std::find(scope.closure.begin(), scope.closure.end(), f) == scope.closure.end())
                        scope.closure.push_back(f);
                jobs.emplace_back(t, h);
            }
        }
        if (jobs.empty()) break;
        std::vector<std::vector<HeaderScan>> round(targets.size());
        for (std::size_t t = 0; t < targets.size(); ++t) round[t].resize(targets[t].headers.size());
        run_jobs(jobs, request.jobs, [&](clang::Index& index, const Job& job) { parse(index, job, round[job.first]); });
        for (const auto& [t, h] : jobs)
            for (auto& m : round[t][h].macros) results[t][h].macros.push_back(std::move(m));
        for (std::size_t t = 0; t < targets.size(); ++t) rounds[t].record(probed[t], round[t]);
    }

    ir::Manifest manifest;
    manifest.generator = std::string("uapikit-gen ") + kVersion;
    // Targets merge independently, so in parallel; a failure is reported
    // for the first target in the order given, as a sequential merge would.
    std::vector<ir::TargetAbi> merged(targets.size());
    std::vector<std::exception_ptr> merge_errors(targets.size());
    parallel_for(targets.size(), request.jobs, [] { return std::make_unique<int>(); }, [&](int&, std::size_t t) {
        try {
            merged[t] = merge_target(targets[t], results[t], failures[t], request.keep_going);
        } catch (...) {
            merge_errors[t] = std::current_exception();
        }
    });
    for (std::size_t t = 0; t < targets.size(); ++t) {
        if (merge_errors[t]) std::rethrow_exception(merge_errors[t]);
        manifest.targets.emplace(merged[t].triple, std::move(merged[t]));
    }
    return manifest;
}

void parse_only(const ScanRequest& request, bool keep_macros) {
    std::vector<PreparedTarget> targets = prepare(request);
    run_jobs(all_jobs(targets), request.jobs, [&](clang::Index& index, const Job& job) {
        const HeaderInput& header = targets[job.first].headers[job.second];
        if (!header.not_found.empty()) return;
        try {
            scan::parse_only(index, header, targets[job.first].setup, keep_macros);
        } catch (const clang::ParseFailure&) {
        }
    });
}

}  // namespace uapikit::scan
