// A fixed set of threads running tasks from one queue until the queue is
// empty and no task is running. A task may queue further tasks, so a later
// stage of one piece of work (the macro rounds of one target, say) starts as
// soon as its inputs are ready, while other threads keep on with
// independent work instead of waiting at a barrier.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace uapikit {

// `Worker` is per-thread state handed to every task that thread runs (a
// libclang index, which must not be shared between threads).
template <typename Worker>
class TaskPool {
public:
    using Task = std::function<void(Worker&)>;

    // `urgent` tasks go to the front of the queue: use it for work that
    // other work waits on.
    void push(Task task, bool urgent = false) {
        {
            std::lock_guard lock(mutex_);
            if (urgent)
                queue_.push_front(std::move(task));
            else
                queue_.push_back(std::move(task));
        }
        wake_.notify_one();
    }

    // Runs until everything queued, and everything those tasks queue, is
    // done. The first exception a task throws is rethrown here, after the
    // other threads have finished what they were running; nothing queued
    // after it starts.
    void run(unsigned threads, const std::function<std::unique_ptr<Worker>()>& make_worker) {
        if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
        auto loop = [&] {
            std::unique_ptr<Worker> worker = make_worker();
            while (Task task = next()) {
                try {
                    task(*worker);
                } catch (...) {
                    std::lock_guard lock(mutex_);
                    if (!failure_) failure_ = std::current_exception();
                    queue_.clear();
                }
                finished();
            }
        };
        {
            std::vector<std::jthread> pool;
            for (unsigned i = 1; i < threads; ++i) pool.emplace_back(loop);
            loop();
        }
        if (failure_) std::rethrow_exception(failure_);
    }

private:
    // The next task, or an empty one when all work is done.
    Task next() {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return !queue_.empty() || running_ == 0; });
        if (queue_.empty()) return {};
        Task task = std::move(queue_.front());
        queue_.pop_front();
        ++running_;
        return task;
    }

    void finished() {
        std::lock_guard lock(mutex_);
        --running_;
        // Idle threads wait for new tasks or for the end of all work.
        wake_.notify_all();
    }

    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Task> queue_;
    unsigned running_ = 0;
    std::exception_ptr failure_;
};

}  // namespace uapikit
