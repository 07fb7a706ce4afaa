// Writes a file all-or-nothing: content goes to a temporary file beside the
// destination and is renamed over it only by commit(). Opening early means
// an unwritable destination is reported before any expensive work, and a
// failure at any point leaves no partial output behind.
#pragma once

#include <filesystem>
#include <string>

namespace uapikit {

class AtomicFile {
public:
    // Throws InputError when the destination folder cannot take a file.
    explicit AtomicFile(std::filesystem::path destination);
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    // Writes everything and renames into place; throws InputError on failure.
    void commit(const std::string& contents);

private:
    std::filesystem::path destination_;
    std::filesystem::path temporary_;
    int fd_ = -1;
};

}  // namespace uapikit
