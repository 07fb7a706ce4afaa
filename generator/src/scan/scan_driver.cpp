#include "scan/scan_driver.hpp"

#include "clang/libclang.hpp"
#include "scan/define_index.hpp"
#include "scan/header_scan.hpp"
#include "scan/targets.hpp"
#include "util/errors.hpp"
#include "version.hpp"

#include <algorithm>
#include <atomic>
#include <functional>
#include <set>
#include <thread>
#include <tuple>

namespace uapikit::scan {
namespace fs = std::filesystem;
namespace {

struct PreparedTarget {
    const Target* target;
    TargetSetup setup;
    std::vector<HeaderInput> headers;
};

HeaderInput resolve_header(const std::string& spec, const std::vector<fs::path>& include_dirs,
                           std::vector<fs::path>& roots) {
    std::error_code ec;
    // A path that exists is taken as a path; anything else is looked up the
    // way #include <...> would.
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
    throw input_error("header '" + spec + "' not found" +
                      (searched.empty() ? std::string(" (no -I folders given)") : " in " + searched));
}

std::vector<PreparedTarget> prepare(const ScanRequest& request) {
    if (request.headers.empty()) throw input_error("no headers to scan");
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
            try {
                p.headers.push_back(resolve_header(spec, p.setup.include_dirs, p.setup.roots));
            } catch (const InputError& e) {
                // A header one architecture does not export (asm-less
                // linux/kvm.h on arm) is that target's failure, not the run's.
                if (!request.keep_going) throw;
                p.headers.push_back({spec, {}, {}, e.what()});
            }
        }
        // Absolute paths as clang will see them, so an input header outside
        // every -I folder is still reported against its own folder.
        p.setup.clang_args = clang_arguments(*target, dirs);
        out.push_back(std::move(p));
    }
    return out;
}

// Runs work(target_index, header_index) for every pair on `jobs` threads,
// each thread with its own libclang index (indexes are not shared).
void for_each_job(const std::vector<PreparedTarget>& targets, unsigned jobs,
                  const std::function<void(clang::Index&, std::size_t, std::size_t)>& work) {
    std::vector<std::pair<std::size_t, std::size_t>> pairs;
    for (std::size_t t = 0; t < targets.size(); ++t)
        for (std::size_t h = 0; h < targets[t].headers.size(); ++h) pairs.emplace_back(t, h);
    if (jobs == 0) jobs = std::max(1u, std::thread::hardware_concurrency());
    jobs = std::min<unsigned>(jobs, static_cast<unsigned>(std::max<std::size_t>(1, pairs.size())));
    std::atomic<std::size_t> next{0};
    auto worker = [&] {
        clang::Index index;
        for (std::size_t i; (i = next.fetch_add(1)) < pairs.size();) work(index, pairs[i].first, pairs[i].second);
    };
    std::vector<std::jthread> threads;
    for (unsigned i = 1; i < jobs; ++i) threads.emplace_back(worker);
    worker();
}

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

ir::Manifest scan(const ScanRequest& request) {
    std::vector<PreparedTarget> targets = prepare(request);
    std::vector<std::vector<HeaderScan>> results(targets.size());
    std::vector<std::vector<std::string>> failures(targets.size());
    for (std::size_t t = 0; t < targets.size(); ++t) {
        results[t].resize(targets[t].headers.size());
        failures[t].resize(targets[t].headers.size());
    }
    DefineIndex defines;
    for_each_job(targets, request.jobs, [&](clang::Index& index, std::size_t t, std::size_t h) {
        const HeaderInput& header = targets[t].headers[h];
        if (!header.not_found.empty()) {
            results[t][h].error = ir::HeaderError{header.name, header.not_found};
            return;
        }
        try {
            results[t][h] = scan_header(index, header, targets[t].setup, defines);
        } catch (const clang::ParseFailure& f) {
            failures[t][h] = targets[t].headers[h].name + ": error: " + f.message;
        }
    });

    ir::Manifest manifest;
    manifest.generator = std::string("uapikit-gen ") + kVersion;
    for (std::size_t t = 0; t < targets.size(); ++t) {
        ir::TargetAbi abi;
        abi.triple = std::string(targets[t].target->triple);
        abi.clang_args = targets[t].setup.clang_args;
        std::set<std::string> seen_records, seen_enums, seen_macros;
        for (std::size_t h = 0; h < targets[t].headers.size(); ++h) {
            HeaderScan& r = results[t][h];
            abi.headers.push_back(targets[t].headers[h].name);
            if (!failures[t][h].empty()) throw InputError(failures[t][h]);
            if (r.error) {
                if (!request.keep_going) throw InputError(r.error->message);
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
        manifest.targets.emplace(abi.triple, std::move(abi));
    }
    return manifest;
}

void parse_only(const ScanRequest& request, bool keep_macros) {
    std::vector<PreparedTarget> targets = prepare(request);
    for_each_job(targets, request.jobs, [&](clang::Index& index, std::size_t t, std::size_t h) {
        if (!targets[t].headers[h].not_found.empty()) return;
        try {
            scan::parse_only(index, targets[t].headers[h], targets[t].setup, keep_macros);
        } catch (const clang::ParseFailure&) {
        }
    });
}

}  // namespace uapikit::scan
