// The fake's open files by descriptor number. Descriptors are small
// integers (each one reserves a real descriptor), so they index a vector
// directly: finding the file behind an ioctl is one load, not a tree walk.
#pragma once

#include <cstddef>
#include <vector>

namespace uapikit::fake {

template <typename File>
class fd_table {
public:
    File* find(int fd) const {
        return fd >= 0 && static_cast<std::size_t>(fd) < files_.size() ? files_[static_cast<std::size_t>(fd)] : nullptr;
    }

    // Precondition: `fd` is not in the table.
    void insert(int fd, File* f) {
        const auto slot = static_cast<std::size_t>(fd);
        if (slot >= files_.size()) files_.resize(slot + 1, nullptr);
        files_[slot] = f;
        ++count_;
    }

    // Removes the fd and gives its file; null if `fd` is not open.
    File* take(int fd) {
        File* f = find(fd);
        if (!f) return nullptr;
        files_[static_cast<std::size_t>(fd)] = nullptr;
        --count_;
        return f;
    }

    bool empty() const { return count_ == 0; }

    // The lowest open descriptor; precondition: !empty().
    int lowest() const {
        std::size_t fd = 0;
        while (!files_[fd]) ++fd;
        return static_cast<int>(fd);
    }

    // Calls f(fd, file) in descriptor order.
    template <typename F>
    void for_each(F f) const {
        for (std::size_t fd = 0; fd < files_.size(); ++fd)
            if (files_[fd]) f(static_cast<int>(fd), *files_[fd]);
    }

private:
    std::vector<File*> files_;
    std::size_t count_ = 0;
};

}  // namespace uapikit::fake
