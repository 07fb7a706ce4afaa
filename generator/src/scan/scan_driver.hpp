// Scans a set of headers for a set of targets: one parse per (header,
// target), spread over worker threads, merged in input order so the result
// does not depend on scheduling.
#pragma once

#include "ir/abi.hpp"

#include <functional>
#include <string>
#include <vector>

namespace uapikit::scan {

struct ScanRequest {
    std::vector<std::string> headers;       // include-style names or file paths
    std::vector<std::string> include_dirs;  // may contain {arch} / {triple}
    std::vector<std::string> defines;       // NAME or NAME=VALUE, as -D
    std::vector<std::string> targets;       // triples; empty means x86_64-linux-gnu
    unsigned jobs = 0;                      // 0: one per hardware thread
    bool keep_going = false;                // record failing headers instead of stopping
    // Called as soon as a target is merged, from a worker thread while
    // other targets are still being parsed (so its JSON text, say, can be
    // written then). Targets come in no particular order.
    std::function<void(const ir::TargetAbi&)> on_target_merged;
};

// Throws InputError for usage problems (unknown target, missing header) and,
// unless keep_going, for the first header that does not compile.
ir::Manifest scan(const ScanRequest& request);

// The benchmark floor: the same parses, nothing done with them.
void parse_only(const ScanRequest& request, bool keep_macros);

}  // namespace uapikit::scan
