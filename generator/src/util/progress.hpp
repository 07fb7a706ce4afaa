// A one-line progress counter on stderr ("scan: 1200/3955 parses"), shown
// only when stderr is a terminal, so logs and pipes stay quiet. Safe to
// tick from several threads; redraws at most ten times a second.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <unistd.h>

namespace uapikit {

class Progress {
public:
    Progress(std::string what, std::size_t total) : what_(std::move(what)), total_(total), shown_(::isatty(2) == 1) {}
    ~Progress() {
        if (shown_ && drawn_) std::fprintf(stderr, "\r\033[K");
    }
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    // More work turned up (a later round of parses).
    void add(std::size_t more) { total_ += more; }

    void tick() {
        std::size_t done = ++done_;
        if (!shown_) return;
        auto now = std::chrono::steady_clock::now();
        std::lock_guard lock(mutex_);
        std::size_t total = total_;
        if (done != total && now - last_ < std::chrono::milliseconds(100)) return;
        last_ = now;
        drawn_ = true;
        std::fprintf(stderr, "\r%s: %zu/%zu", what_.c_str(), done, total);
        std::fflush(stderr);
    }

private:
    std::string what_;
    std::atomic<std::size_t> total_;
    bool shown_;
    bool drawn_ = false;
    std::atomic<std::size_t> done_{0};
    std::mutex mutex_;
    std::chrono::steady_clock::time_point last_{};
};

}  // namespace uapikit
