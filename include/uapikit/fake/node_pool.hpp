// A memory resource for the fake's small objects of a few fixed sizes
// (map nodes of IOAS areas, pinned-page records): one Boost.Pool per size,
// so a map and an unmap hand the same blocks back and forth without
// reaching malloc, as the kernel's slab caches do. Not thread-safe: each
// pool belongs to one host, which is called from one thread at a time.
#pragma once

#include <boost/pool/pool.hpp>

#include <cstddef>
#include <memory>
#include <memory_resource>
#include <new>
#include <utility>
#include <vector>

namespace uapikit::fake {

class node_pool : public std::pmr::memory_resource {
public:
    node_pool() = default;
    node_pool(const node_pool&) = delete;
    node_pool& operator=(const node_pool&) = delete;

private:
    // Blocks of more than this, or more aligned than a pool gives, come
    // from operator new.
    static constexpr std::size_t largest = 512;

    std::vector<std::pair<std::size_t, std::unique_ptr<boost::pool<>>>> pools_;
    std::size_t last_size_ = 0;  // the size asked last, usually the next one too
    boost::pool<>* last_ = nullptr;

    boost::pool<>& pool_for(std::size_t bytes) {
        if (bytes == last_size_) [[likely]]
            return *last_;
        return find_pool(bytes);
    }
    [[gnu::noinline]] boost::pool<>& find_pool(std::size_t bytes) {
        auto it = pools_.begin();
        while (it != pools_.end() && it->first != bytes) ++it;
        if (it == pools_.end()) it = pools_.emplace(pools_.end(), bytes, std::make_unique<boost::pool<>>(bytes, 64));
        last_size_ = bytes;
        last_ = it->second.get();
        return *last_;
    }

    void* do_allocate(std::size_t bytes, std::size_t alignment) override {
        if (bytes > largest || alignment > alignof(std::max_align_t)) return ::operator new(bytes, std::align_val_t{alignment});
        void* p = pool_for(bytes).malloc();
        if (!p) throw std::bad_alloc();
        return p;
    }

    void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override {
        if (bytes > largest || alignment > alignof(std::max_align_t)) {
            ::operator delete(p, bytes, std::align_val_t{alignment});
            return;
        }
        pool_for(bytes).free(p);
    }

    bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override { return this == &other; }
};

}  // namespace uapikit::fake
