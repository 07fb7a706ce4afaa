// The positive path on a real /dev/iommu: an IOAS can be allocated and
// destroyed. Exits 77 (skipped, for meson) where the node is absent, which
// is every machine without iommufd in its kernel.
#include <uapikit/error_text.hpp>
#include <uapikit/iommufd.hpp>
#include <uapikit/linux_backend.hpp>

#include <cerrno>
#include <cstdio>

int main() {
    auto b = uapikit::linux_backend::open();
    if (!b && (b.error().code() == ENOENT || b.error().code() == EACCES || b.error().code() == ENXIO)) {
        std::printf("skipped: %s\n", uapikit::describe(b.error()).c_str());
        return 77;
    }
    if (!b) {
        std::printf("FAIL: %s\n", uapikit::describe(b.error()).c_str());
        return 1;
    }
    auto ioas = uapikit::ioas_alloc(*b);
    if (!ioas) {
        std::printf("FAIL: %s\n", uapikit::describe(ioas.error()).c_str());
        return 1;
    }
    auto gone = uapikit::destroy(*b, *ioas);
    if (!gone) {
        std::printf("FAIL: %s\n", uapikit::describe(gone.error()).c_str());
        return 1;
    }
    std::printf("ok: allocated and destroyed IOAS %u\n", ioas->value());
    return 0;
}
