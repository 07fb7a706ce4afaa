// The linux backend against real file descriptors that are not an iommufd:
// the kernel's own answers are the expectations (ENOTTY from an ioctl on a
// character device that does not know it, ENOENT from open(2) of a missing
// node).
#include <uapikit/error_text.hpp>
#include <uapikit/iommufd.hpp>
#include <uapikit/linux_backend.hpp>

#include <doctest/doctest.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <utility>

TEST_CASE("a missing device node fails at open with ENOENT") {
    auto b = uapikit::linux_backend::open("/dev/uapikit-no-such-node");
    REQUIRE_FALSE(b);
    CHECK(b.error().code() == ENOENT);
    CHECK(std::strcmp(b.error().operation(), "open") == 0);
}

TEST_CASE("open() without a path opens /dev/iommu, and its error names the node") {
    auto b = uapikit::linux_backend::open();
    if (b) {  // a host with iommufd: the context is open
        CHECK(b->fd() >= 0);
        return;
    }
    // Without iommufd the node is missing (ENOENT), or not ours to open (EACCES).
    CHECK((b.error().code() == ENOENT || b.error().code() == EACCES));
    CHECK(std::strcmp(b.error().operation(), "open /dev/iommu") == 0);
    CHECK(uapikit::describe(b.error()).find("/dev/iommu") != std::string::npos);
}

TEST_CASE("iommufd requests on a file that is not an iommufd fail with ENOTTY") {
    auto b = uapikit::linux_backend::open("/dev/null");
    REQUIRE(b);
    auto ioas = uapikit::ioas_alloc(*b);
    REQUIRE_FALSE(ioas);
    CHECK(ioas.error().code() == ENOTTY);
    CHECK(std::strcmp(ioas.error().operation(), "IOMMU_IOAS_ALLOC") == 0);

    auto gone = uapikit::destroy(*b, uapikit::ioas_id{1});
    REQUIRE_FALSE(gone);
    CHECK(gone.error().code() == ENOTTY);
}

TEST_CASE("the backend owns its descriptor: moving transfers it, destruction closes it") {
    auto b = uapikit::linux_backend::open("/dev/null");
    REQUIRE(b);
    int fd = b->fd();
    uapikit::linux_backend moved = std::move(*b);
    CHECK(moved.fd() == fd);
    CHECK(b->fd() == -1);
    {
        uapikit::linux_backend gone = std::move(moved);
    }
    errno = 0;
    CHECK(::fcntl(fd, F_GETFD) == -1);
    CHECK(errno == EBADF);
}
