// Benchmark: uapikit-gen scan against two references on the same headers
// and targets, in one run:
//   floor    libclang parsing each header and nothing else (the least any
//            libclang-based scanner must spend)
//   floor+pp the same parse keeping the preprocessing record (what scan
//            needs to see macro definitions)
//   scan     the full scan: parse, walk, macro evaluation, JSON text
//   bindgen  Debian's bindgen producing Rust bindings for each header
// Every phase uses the same number of worker threads/processes.
#include "manifest/manifest_json.hpp"
#include "scan/scan_driver.hpp"
#include "scan/targets.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fcntl.h>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <thread>

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

extern char** environ;

namespace {

std::vector<std::string> linux_headers(const std::string& tree) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(fs::path(tree) / "linux"))
        if (e.path().extension() == ".h") out.push_back("linux/" + e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

template <typename F>
double seconds(F&& f) {
    auto start = Clock::now();
    f();
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// User + system time of this process, all threads. On a shared VM it moves
// far less than wall time when the host takes cores away.
double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    return s(u.ru_utime) + s(u.ru_stime);
}

// Wall and CPU seconds of one run of f.
struct Cost {
    double wall = 1e9, cpu = 1e9;
};
template <typename F>
void keep_best(Cost& best, F&& f) {
    double cpu_before = cpu_seconds();
    double wall = seconds(f);
    best.wall = std::min(best.wall, wall);
    best.cpu = std::min(best.cpu, cpu_seconds() - cpu_before);
}

int run_quiet(const std::vector<std::string>& argv) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return -1;
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// bindgen on every (header, target), `jobs` processes at a time. Returns
// how many runs failed (headers that do not compile alone fail here too).
int run_bindgen(const std::string& bindgen, const uapikit::scan::ScanRequest& req, unsigned jobs) {
    struct Job {
        std::string header, triple, include_dir;
    };
    std::vector<Job> all;
    for (const auto& triple : req.targets) {
        const auto* target = uapikit::scan::find_target(triple);
        std::string dir = uapikit::scan::expand_include_dir(req.include_dirs.front(), *target);
        for (const auto& h : req.headers) all.push_back({dir + "/" + h, triple, dir});
    }
    std::atomic<std::size_t> next{0};
    std::atomic<int> failures{0};
    auto worker = [&] {
        for (std::size_t i; (i = next.fetch_add(1)) < all.size();) {
            const Job& j = all[i];
            std::vector<std::string> argv = {bindgen, j.header, "-o", "/dev/null", "--",
                                             "-x", "c", "-std=gnu11", "--target=" + j.triple,
                                             "-nostdlibinc", "-I", j.include_dir};
            if (run_quiet(argv) != 0) ++failures;
        }
    };
    std::vector<std::jthread> threads;
    for (unsigned i = 1; i < jobs; ++i) threads.emplace_back(worker);
    worker();
    threads.clear();
    return failures;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"scan_bench: uapikit-gen scan vs the libclang floor vs bindgen"};
    std::string tree_pattern;
    std::string bindgen = "bindgen";
    unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
    unsigned rounds = 3;
    bool skip_bindgen = false;
    // Debian's bindgen 0.60 panics on clang 16+ spellings of unnamed types
    // ("(unnamed at ...)"), so it runs on the libclang it was built for.
    std::string bindgen_libclang = "/usr/lib/llvm-14/lib";
    std::vector<std::string> targets;
    app.add_option("--tree", tree_pattern, "headers_install include folder, with {arch}")->required();
    app.add_option("--target", targets, "targets (default: all supported)");
    app.add_option("-j,--jobs", jobs, "parallel parses / processes");
    app.add_option("--rounds", rounds, "rounds of floor and scan (best is reported)");
    app.add_option("--bindgen", bindgen, "bindgen executable");
    app.add_flag("--no-bindgen", skip_bindgen, "skip the bindgen phase");
    app.add_option("--bindgen-libclang", bindgen_libclang, "LIBCLANG_PATH for bindgen");
    std::string only;
    app.add_option("--only", only,
                   "run one phase once and report nothing (for profilers such as callgrind): floor, floor-pp or scan")
        ->check(CLI::IsMember({"floor", "floor-pp", "scan"}));
    CLI11_PARSE(app, argc, argv);

    if (targets.empty())
        for (const auto& t : uapikit::scan::supported_targets()) targets.emplace_back(t.triple);
    uapikit::scan::ScanRequest req;
    req.include_dirs = {tree_pattern};
    req.targets = targets;
    req.jobs = jobs;
    req.keep_going = true;
    req.headers = linux_headers(uapikit::scan::expand_include_dir(tree_pattern, *uapikit::scan::find_target(targets.front())));
    std::size_t parses = req.headers.size() * targets.size();
    std::cout << "headers: " << req.headers.size() << " x " << targets.size() << " targets = " << parses
              << " parses, " << jobs << " jobs\n";

    auto run_scan = [&] {
        // As `uapikit-gen scan` does it: each target's text is written as
        // soon as that target is merged.
        uapikit::manifest::TargetTexts texts;
        req.on_target_merged = [&texts](const uapikit::ir::TargetAbi& abi) { texts.add(abi); };
        auto m = uapikit::scan::scan(req);
        req.on_target_merged = nullptr;
        return uapikit::manifest::to_json_text(m, texts.take()).size();
    };
    if (!only.empty()) {
        if (only == "scan")
            run_scan();
        else
            uapikit::scan::parse_only(req, only == "floor-pp");
        return 0;
    }

    Cost floor, floor_pp, scan;
    std::size_t manifest_bytes = 0;
    for (unsigned r = 0; r < rounds; ++r) {
        keep_best(floor, [&] { uapikit::scan::parse_only(req, false); });
        keep_best(floor_pp, [&] { uapikit::scan::parse_only(req, true); });
        keep_best(scan, [&] { manifest_bytes = run_scan(); });
    }
    std::cout << std::fixed << std::setprecision(2);
    std::cout << "                                    wall      cpu (user+sys, all threads)\n";
    auto row = [](const char* what, const Cost& c) {
        std::cout << what << std::setw(6) << c.wall << " s  " << std::setw(6) << c.cpu << " s\n";
    };
    row("floor (libclang parse only):        ", floor);
    row("floor + preprocessing record:       ", floor_pp);
    row("uapikit-gen scan (incl. JSON text): ", scan);
    std::cout << "manifest text:                      " << manifest_bytes / 1024 << " KiB\n";
    std::cout << "scan / floor:                       " << scan.wall / floor.wall << "x  " << std::setw(6)
              << scan.cpu / floor.cpu << "x\n";
    if (!skip_bindgen) {
        setenv("LIBCLANG_PATH", bindgen_libclang.c_str(), 1);
        int failed = 0;
        double bg = seconds([&] { failed = run_bindgen(bindgen, req, jobs); });
        std::cout << "bindgen:                            " << bg << " s  (" << failed << " of " << parses
                  << " runs failed)\n";
        std::cout << "bindgen / scan:                     " << bg / scan.wall << "x\n";
    }
    return 0;
}
