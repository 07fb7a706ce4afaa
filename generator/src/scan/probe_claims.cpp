#include "scan/probe_claims.hpp"

namespace uapikit::scan {

FileSet ProbeClaims::claim_unclaimed(std::size_t header, const std::vector<std::filesystem::path>& closure) {
    FileSet out;
    std::lock_guard lock(mutex_);
    for (const auto& file : closure)
        if (claims_.try_emplace(file.native(), Claim{header, Claim::State::Held}).second) out.insert(file.native());
    return out;
}

FileSet ProbeClaims::claim_released(std::size_t header, const std::vector<std::filesystem::path>& closure) {
    FileSet out;
    std::lock_guard lock(mutex_);
    for (const auto& file : closure)
        if (failing_.count(file.native())) return out;
    for (const auto& file : closure) {
        auto it = claims_.find(file.native());
        if (it == claims_.end() || it->second.state != Claim::State::Released || it->second.header >= header) continue;
        it->second = {header, Claim::State::Held};
        out.insert(file.native());
    }
    return out;
}

void ProbeClaims::settle(std::size_t header, const FileSet& probed, const HeaderScan& result) {
    std::lock_guard lock(mutex_);
    if (!result.failed_in.empty()) failing_.insert(result.failed_in);
    for (const auto& file : probed) {
        auto it = claims_.find(file);
        if (it == claims_.end() || it->second.header != header) continue;
        // A file the parse did not open stays settled: include closures
        // hold every branch of every #if, and a file no branch of this
        // target takes (asm/unistd_32.h on x86_64) would otherwise be
        // probed by every header after it. The rounds find its real openers.
        bool opened = result.included.count(file);
        bool released = result.error || (opened && result.unresolved.count(file));
        it->second.state = released ? Claim::State::Released : Claim::State::Settled;
    }
}

}  // namespace uapikit::scan
