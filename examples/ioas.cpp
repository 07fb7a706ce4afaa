// IOAS family: open an iommufd context, allocate an I/O address space,
// destroy it. Run on a machine with /dev/iommu.
#include <uapikit/error_text.hpp>
#include <uapikit/iommufd.hpp>
#include <uapikit/linux_backend.hpp>

#include <cstdio>

int main(int argc, char** argv) {
    const char* node = argc > 1 ? argv[1] : "/dev/iommu";
    auto iommufd = uapikit::linux_backend::open(node);
    if (!iommufd) {
        std::fprintf(stderr, "cannot open %s: %s\n", node, uapikit::describe(iommufd.error()).c_str());
        return 1;
    }
    auto ioas = uapikit::ioas_alloc(*iommufd);
    if (!ioas) {
        std::fprintf(stderr, "%s\n", uapikit::describe(ioas.error()).c_str());
        return 1;
    }
    std::printf("IOAS %u allocated\n", ioas->value());
    if (auto gone = uapikit::destroy(*iommufd, *ioas); !gone) {
        std::fprintf(stderr, "%s\n", uapikit::describe(gone.error()).c_str());
        return 1;
    }
    std::printf("IOAS %u destroyed\n", ioas->value());
    return 0;
}
