#include "util/atomic_file.hpp"

#include "util/errors.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace uapikit {
namespace fs = std::filesystem;

namespace {
InputError write_error(const fs::path& where, int err) {
    return input_error("cannot write '" + where.string() + "': " + std::strerror(err));
}
}  // namespace

AtomicFile::AtomicFile(fs::path destination) : destination_(std::move(destination)) {
    std::error_code ec;
    if (fs::is_directory(destination_, ec)) throw input_error("cannot write '" + destination_.string() + "': is a directory");
    fs::path dir = destination_.parent_path().empty() ? fs::path(".") : destination_.parent_path();
    std::string pattern = (dir / ("." + destination_.filename().string() + ".tmp.XXXXXX")).string();
    fd_ = mkstemp(pattern.data());
    if (fd_ < 0) throw write_error(destination_, errno);
    temporary_ = pattern;
}

AtomicFile::~AtomicFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!temporary_.empty()) ::unlink(temporary_.c_str());
}

void AtomicFile::commit(const std::string& contents) {
    const char* p = contents.data();
    std::size_t left = contents.size();
    while (left > 0) {
        ssize_t n = ::write(fd_, p, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw write_error(destination_, errno);
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    // mkstemp creates 0600; a manifest is an ordinary file.
    mode_t mask = ::umask(0);
    ::umask(mask);
    ::fchmod(fd_, 0666 & ~mask);
    if (::fsync(fd_) != 0 || ::close(fd_) != 0) {
        fd_ = -1;
        throw write_error(destination_, errno);
    }
    fd_ = -1;
    if (::rename(temporary_.c_str(), destination_.c_str()) != 0) throw write_error(destination_, errno);
    temporary_.clear();
}

}  // namespace uapikit
