// How much cheaper a call into the fake is than a system call, the reason a
// test suite can afford thousands of ioctls on it. Five loops, in one
// process:
//   destroy_missing  IOMMU_DESTROY of an id that does not exist (fake: ENOENT)
//   viommu_pair      IOMMU_VIOMMU_ALLOC (selftest type) + IOMMU_DESTROY of it
//   map_pair         IOMMU_IOAS_MAP of one 4 KiB page at a fixed IOVA +
//                    IOMMU_IOAS_UNMAP of it, on an IOAS without a domain
//   map_pair_domain  the same on an IOAS a mock domain is attached to: each
//                    map pins the page, which checks the memory is there
//                    with process_vm_readv(2), a system call of its own
//   syscall          ioctl(2) IOMMU_DESTROY on /dev/null (kernel: ENOTTY)
//
// The loops take turns in short rounds, and each round's ratio compares the
// syscall with the fake loops of that same round; a run's ratio is the
// median over its rounds. The speed of a virtual machine changes from one
// moment to the next, and with each loop running for its whole time after
// the other, a slow stretch fell on one side of a ratio only.
//
//   bench/fake_bench [seconds per loop, default 1] [rounds, default 20]
#include "fake_loops.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <vector>

namespace {

namespace abi = uapikit::raw::proposed;
using clock_type = std::chrono::steady_clock;
using fake_loops::clobber_memory;
using fake_loops::fail;

struct result {
    long calls;
    double seconds;
    double ns_per_call() const { return seconds * 1e9 / static_cast<double>(calls); }
};

// Runs `body` (which makes `per_body` calls) in batches until `seconds` have
// passed; reading the clock once per batch keeps it out of the figures.
template <typename Body>
result measure(double seconds, int per_body, Body body) {
    constexpr int batch = 1000;
    const auto start = clock_type::now();
    long bodies = 0;
    std::chrono::duration<double> elapsed{};
    do {
        for (int i = 0; i < batch; ++i) {
            body();
            clobber_memory();
        }
        bodies += batch;
        elapsed = clock_type::now() - start;
    } while (elapsed.count() < seconds);
    return {bodies * per_body, elapsed.count()};
}

// One loop's rounds.
struct series {
    const char* name;
    std::vector<result> rounds;

    result total() const {
        result t{0, 0};
        for (const auto& r : rounds) {
            t.calls += r.calls;
            t.seconds += r.seconds;
        }
        return t;
    }
};

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// The syscall's time per call over the fake's, round by round.
std::vector<double> ratios(const series& sys, const series& fake) {
    std::vector<double> out;
    for (std::size_t i = 0; i < fake.rounds.size(); ++i)
        out.push_back(sys.rounds[i].ns_per_call() / fake.rounds[i].ns_per_call());
    return out;
}

void print(const series& s) {
    const result r = s.total();
    std::printf("%-16s %11ld calls %6.2f s %12.0f calls/s %9.1f ns/call\n", s.name, r.calls, r.seconds,
                static_cast<double>(r.calls) / r.seconds, r.ns_per_call());
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
    const int rounds = argc > 2 ? std::atoi(argv[2]) : 20;
    if (!(seconds > 0) || rounds < 1) {
        std::fprintf(stderr, "usage: fake_bench [seconds per loop > 0] [rounds >= 1]\n");
        return 2;
    }
    const double slice = seconds / rounds;
    fake_loops::setup s;
    const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null_fd < 0) fail("open(/dev/null)", -errno);

    // (a) The shortest path through the dispatcher that reaches a handler.
    // The context holds the set-up's objects; the id is not among them.
    auto missing_body = [&] {
        abi::iommu_destroy cmd{sizeof cmd, 0xffff};
        if (int rc = s.h.ioctl(s.fd, abi::IOMMU_DESTROY, &cmd); rc != -ENOENT) fail("IOMMU_DESTROY (fake)", rc);
    };
    // (b) A vIOMMU made and destroyed on the set-up's nest-parent HWPT.
    auto pair_body = [&] { s.viommu_pair(); };
    // (c) One page mapped and unmapped, without and with a domain to fill.
    auto map_body = [&] { s.map_pair(s.bare.out_ioas_id, 0x100000); };
    auto map_domain_body = [&] { s.map_pair(s.ioas.out_ioas_id, abi::MOCK_APERTURE_START); };
    // (d) The cheapest real ioctl(2): the kernel rejects it at the fd's file
    // operations without looking at the argument.
    auto sys_body = [&] {
        abi::iommu_destroy cmd{sizeof cmd, 0xffff};
        if (::ioctl(null_fd, abi::IOMMU_DESTROY, &cmd) != -1 || errno != ENOTTY) fail("ioctl(/dev/null)", -errno);
    };

    series missing{"destroy_missing", {}}, pair{"viommu_pair", {}}, map{"map_pair", {}},
        map_domain{"map_pair_domain", {}}, sys{"syscall", {}};
    for (int r = 0; r < rounds; ++r) {
        // The syscall goes first in even rounds and last in odd ones, so a
        // drift within a round does not always favour the same side.
        if (r % 2 == 0) sys.rounds.push_back(measure(slice, 1, sys_body));
        missing.rounds.push_back(measure(slice, 1, missing_body));
        pair.rounds.push_back(measure(slice, 2, pair_body));
        map.rounds.push_back(measure(slice, 2, map_body));
        map_domain.rounds.push_back(measure(slice, 2, map_domain_body));
        if (r % 2 == 1) sys.rounds.push_back(measure(slice, 1, sys_body));
    }
    ::close(null_fd);

    for (const series* x : {&missing, &pair, &map, &map_domain, &sys}) print(*x);
    std::printf("syscall_ns / fake_ns per call, median of %d rounds:", rounds);
    for (const series* x : {&missing, &pair, &map, &map_domain})
        std::printf(" %s %.1fx%s", x->name, median(ratios(sys, *x)), x == &map_domain ? "\n" : ",");
    std::printf("lowest and highest round:");
    for (const series* x : {&missing, &pair, &map, &map_domain}) {
        const auto v = ratios(sys, *x);
        std::printf(" %s %.1f-%.1fx%s", x->name, *std::min_element(v.begin(), v.end()),
                    *std::max_element(v.begin(), v.end()), x == &map_domain ? "\n" : ",");
    }
    return 0;
}
