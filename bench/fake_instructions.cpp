// Instructions per call pair through the fake, for callgrind: a count that
// does not depend on how busy the machine is, unlike bench/fake_bench.cpp's
// times. Runs N pairs of one of fake_bench's loops after the same set-up
// (bench/fake_loops.hpp):
//   map     IOMMU_IOAS_MAP of one 4 KiB page at a fixed IOVA + IOMMU_IOAS_UNMAP
//           of it, on an IOAS without a domain
//   viommu  IOMMU_VIOMMU_ALLOC (selftest type) + IOMMU_DESTROY of it
// bench/fake_instructions.sh runs it with N and with 0 and divides the
// difference by N, so the set-up drops out.
//
//   fake_instructions map|viommu N
#include "fake_loops.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>

int main(int argc, char** argv) {
    if (argc != 3 || (std::strcmp(argv[1], "map") != 0 && std::strcmp(argv[1], "viommu") != 0)) {
        std::fprintf(stderr, "usage: fake_instructions map|viommu N\n");
        return 2;
    }
    const bool map = std::strcmp(argv[1], "map") == 0;
    const long n = std::atol(argv[2]);
    fake_loops::setup s;
    for (long i = 0; i < n; ++i) {
        if (map)
            s.map_pair(s.bare.out_ioas_id, 0x100000);
        else
            s.viommu_pair();
        fake_loops::clobber_memory();
    }
    return 0;
}
