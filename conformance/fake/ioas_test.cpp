// IOAS: mapping user memory and files, unmapping, copying, IOVA ranges,
// allowed and reserved IOVA, alignment, pinned-page accounting, options.
#include "semantics_fixture.hpp"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <climits>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

using namespace uapikit::testing;

FAKE_CASE("ioas: non-zero flags -> EOPNOTSUPP [6.12 ioas.c]") {
    int fd = open("/dev/iommu");
    abi::iommu_ioas_alloc cmd{};
    cmd.flags = 1;
    rejected(fd, cmd, EOPNOTSUPP);
}

// ---- IOAS_MAP --------------------------------------------------------------------

FAKE_CASE("map: an unknown flag -> EOPNOTSUPP [6.12 ioas.c]") {
    int fd = open("/dev/iommu");
    buffer b(page);
    auto cmd = map_cmd(ioas(fd), b.address(), page);
    cmd.flags |= 1u << 3;
    rejected(fd, cmd, EOPNOTSUPP);
}

FAKE_CASE("map: non-zero __reserved -> EOPNOTSUPP [6.12 ioas.c]") {
    int fd = open("/dev/iommu");
    buffer b(page);
    auto cmd = map_cmd(ioas(fd), b.address(), page);
    cmd.__reserved = 1;
    rejected(fd, cmd, EOPNOTSUPP);
}

FAKE_CASE("map: a length of ULONG_MAX -> EOVERFLOW [6.12 ioas.c]") {
    int fd = open("/dev/iommu");
    buffer b(page);
    auto cmd = map_cmd(ioas(fd), b.address(), ULONG_MAX);
    rejected(fd, cmd, EOVERFLOW);
}

FAKE_CASE("map: neither readable nor writeable -> EINVAL [6.12 ioas.c]") {
    int fd = open("/dev/iommu");
    buffer b(page);
    auto cmd = map_cmd(ioas(fd), b.address(), page, 0, 0);
    rejected(fd, cmd, EINVAL);
}

// A writeable area is pinned with FOLL_WRITE (pages.c), which get_user_pages()
// refuses on a mapping without PROT_WRITE: EFAULT once a domain needs the
// pages, here at once; a readable-only map of the same memory is fine.
FAKE_CASE("map: writeable, of memory mapped read-only, into an IOAS with a domain -> EFAULT [6.12 pages.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock_device(fd, io);
    void* ro = ::mmap(nullptr, 2 * page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(ro != MAP_FAILED);
    const uint64_t va = reinterpret_cast<uintptr_t>(ro);
    auto cmd = map_cmd(io, va, 2 * page, aperture);
    rejected(fd, cmd, EFAULT);
    auto readable = map_cmd(io, va, 2 * page, aperture, abi::IOMMU_IOAS_MAP_READABLE);
    CHECK(call(fd, readable) == 0);
    unmap(fd, io, aperture, 2 * page);
    ::munmap(ro, 2 * page);
}

FAKE_CASE("map: an id that is not an IOAS -> ENOENT [6.12 ioas.c]") {
    int fd = open("/dev/iommu");
    buffer b(page);
    auto cmd = map_cmd(99, b.address(), page);
    rejected(fd, cmd, ENOENT);
}

FAKE_CASE("map: length 0 -> EINVAL [6.12 pages.c]") {
    int fd = open("/dev/iommu");
    buffer b(page);
    auto cmd = map_cmd(ioas(fd), b.address(), 0);
    rejected(fd, cmd, EINVAL);
}

FAKE_CASE("map: a fixed IOVA over an existing area -> EEXIST [6.12 io_pagetable.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    buffer b(2 * page);
    map(fd, io, b.address(), 2 * page, 16 * page);
    auto cmd = map_cmd(io, b.address(), page, 17 * page);
    rejected(fd, cmd, EEXIST);
}

FAKE_CASE("map: the kernel picks an IOVA aligned like the memory, up to the size [6.12 io_pagetable.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    buffer b(16 * page);
    const uint64_t uptr = b.address() + 4 * page;
    uint64_t iova = map(fd, io, uptr, 4 * page);
    // The alignment of the memory, at most the size rounded up to a power of two.
    CHECK(iova % std::min<uint64_t>(4 * page, uint64_t{1} << std::countr_zero(uptr)) == 0);
    CHECK(iova >= page);  // never IOVA 0
}

FAKE_CASE("map: with a mock domain, a length that is not a multiple of its 2 KiB IO page -> EINVAL [6.12 io_pagetable.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock_device(fd, io);
    buffer b(page);
    auto cmd = map_cmd(io, b.address(), 100);
    rejected(fd, cmd, EINVAL);
}

FAKE_CASE("map: a fixed IOVA outside the mock domain's aperture (reserved) -> EINVAL [6.12 io_pagetable.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock_device(fd, io);
    buffer b(page);
    auto cmd = map_cmd(io, b.address(), page, page);
    rejected(fd, cmd, EINVAL);
}

FAKE_CASE("map: without a domain nothing is pinned, so memory need not exist yet [6.12 io_pagetable.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    buffer b(4 * page);
    CHECK(::munmap(b.data() + 2 * page, 2 * page) == 0);
    CHECK(map(fd, io, b.address(), 4 * page) != 0);
    CHECK(check_refs(fd, b.data(), 2 * page, 0) == 0);
}

FAKE_CASE("map: with a domain, memory that is not there -> EFAULT [6.12 pages.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock_device(fd, io);
    buffer b(4 * page);
    CHECK(::munmap(b.data() + 2 * page, 2 * page) == 0);
    auto cmd = map_cmd(io, b.address(), 4 * page);
    rejected(fd, cmd, EFAULT);
}

FAKE_CASE("map: with a domain each page is pinned once, however many domains map it [6.12 pages.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock_device(fd, io);
    mock_device(fd, io);
    buffer b(4 * page);
    uint64_t iova = map(fd, io, b.address(), 4 * page, aperture);
    CHECK(check_refs(fd, b.data(), 4 * page, 1) == 0);
    auto two = check_refs_cmd(b.data(), 4 * page, 2);
    rejected(fd, two, EIO);
    unmap(fd, io, iova, 4 * page);
    CHECK(check_refs(fd, b.data(), 4 * page, 0) == 0);
}

// ---- accounting -----------------------------------------------------------------------

FAKE_CASE("accounting: pinning past RLIMIT_MEMLOCK without CAP_IPC_LOCK -> ENOMEM [6.12 pages.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock_device(fd, io);
    host().set_capabilities(true, false);
    host().set_memlock_limit(2);
    buffer b(4 * page);
    auto cmd = map_cmd(io, b.address(), 4 * page, aperture);
    rejected(fd, cmd, ENOMEM);
    map(fd, io, b.address(), 2 * page, aperture);  // within the limit
    auto more = map_cmd(io, b.address() + 2 * page, page, aperture + 4 * page);
    rejected(fd, more, ENOMEM);
    unmap(fd, io, aperture, 2 * page);  // unpinning gives the charge back
    CHECK(map(fd, io, b.address(), 2 * page, aperture) == aperture);
    host().use_process_memlock_limit();
    host().set_capabilities(true, true);
}

// The limit is the process's at the time of the pin, not at the fake's start
// (task_rlimit() at each charge): a VMM that lowers it after opening
// /dev/iommu is held to the new one.
FAKE_CASE("accounting: RLIMIT_MEMLOCK lowered after the first call -> ENOMEM [6.12 pages.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock_device(fd, io);
    host().set_capabilities(true, false);
    rlimit saved{};
    REQUIRE(::getrlimit(RLIMIT_MEMLOCK, &saved) == 0);
    rlimit two_pages = saved;
    two_pages.rlim_cur = 2 * page;
    REQUIRE(::setrlimit(RLIMIT_MEMLOCK, &two_pages) == 0);
    buffer b(4 * page);
    auto cmd = map_cmd(io, b.address(), 4 * page, aperture);
    rejected(fd, cmd, ENOMEM);
    auto within = map_cmd(io, b.address(), 2 * page, aperture);
    int rc = call(fd, within);
    ::setrlimit(RLIMIT_MEMLOCK, &saved);
    host().set_capabilities(true, true);
    CHECK(rc == 0);
}

// ---- IOAS_UNMAP ------------------------------------------------------------------------

FAKE_CASE("unmap: nothing mapped there -> ENOENT [6.12 ioas.c]") {
    int fd = open("/dev/iommu");
    abi::iommu_ioas_unmap cmd{};
    cmd.ioas_id = ioas(fd);
    cmd.iova = page;
    cmd.length = page;
    rejected(fd, cmd, ENOENT);
}

FAKE_CASE("unmap: a range that cuts an area -> ENOENT, and nothing is unmapped [fake]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    buffer b(2 * page);
    map(fd, io, b.address(), page, 16 * page);
    map(fd, io, b.address(), 2 * page, 17 * page);
    abi::iommu_ioas_unmap cmd{};
    cmd.ioas_id = io;
    cmd.iova = 16 * page;
    cmd.length = 2 * page;  // all of the first area, half of the second
    rejected(fd, cmd, ENOENT);
}

FAKE_CASE("unmap: length 0 -> EINVAL [6.12 io_pagetable.c]") {
    int fd = open("/dev/iommu");
    abi::iommu_ioas_unmap cmd{};
    cmd.ioas_id = ioas(fd);
    cmd.iova = page;
    rejected(fd, cmd, EINVAL);
}

FAKE_CASE("unmap: 0 and U64_MAX unmap everything and give the bytes back; on an empty IOAS that is 0 [6.12 ioas.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    buffer b(4 * page);
    map(fd, io, b.address(), 2 * page, 16 * page);
    map(fd, io, b.address(), page, 32 * page);
    CHECK(unmap(fd, io, 0, UINT64_MAX) == 3 * page);
    CHECK(unmap(fd, io, 0, UINT64_MAX) == 0);
}

FAKE_CASE("unmap: every area fully inside the range goes [6.12 io_pagetable.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    buffer b(8 * page);
    for (int i = 0; i < 4; ++i) map(fd, io, b.address(), 8 * page, (16 + 16 * i) * page);
    CHECK(unmap(fd, io, 12 * page, 64 * page) == 32 * page);
}

// The fake places an area past the last one, and finds the highest one,
// without its general search; this walks the other places and orders.
FAKE_CASE("unmap: areas mapped above, below and between others go in any order [6.12 io_pagetable.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    buffer b(page);
    for (uint64_t at : {40, 20, 30, 10}) map(fd, io, b.address(), page, at * page);
    for (uint64_t at : {10, 20, 30, 40}) {
        auto taken = map_cmd(io, b.address(), page, at * page);
        rejected(fd, taken, EEXIST);
    }
    for (uint64_t at : {30, 10, 40}) {
        CHECK(unmap(fd, io, at * page, page) == page);
        abi::iommu_ioas_unmap again{};
        again.ioas_id = io;
        again.iova = at * page;
        again.length = page;
        rejected(fd, again, ENOENT);
    }
    CHECK(unmap(fd, io, 0, UINT64_MAX) == page);  // 20 is left
}

// ---- IOVA ranges, allowed and reserved -------------------------------------------------

FAKE_CASE("iova_ranges: an empty IOAS has all of [0, ULONG_MAX] and alignment 1 [6.12 ioas.c]") {
    int fd = open("/dev/iommu");
    abi::iommu_iova_range r[2]{};
    abi::iommu_ioas_iova_ranges cmd{};
    cmd.ioas_id = ioas(fd);
    cmd.num_iovas = 2;
    cmd.allowed_iovas = address(r);
    REQUIRE(call(fd, cmd) == 0);
    CHECK(cmd.num_iovas == 1);
    CHECK(r[0].start == 0);
    CHECK(r[0].last == ULONG_MAX);
    CHECK(cmd.out_iova_alignment == 1);
}

FAKE_CASE("iova_ranges: a mock domain narrows them to its aperture and its 2 KiB IO page [6.12 selftest.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock_device(fd, io);
    abi::iommu_iova_range r[2]{};
    abi::iommu_ioas_iova_ranges cmd{};
    cmd.ioas_id = io;
    cmd.num_iovas = 2;
    cmd.allowed_iovas = address(r);
    REQUIRE(call(fd, cmd) == 0);
    CHECK(cmd.num_iovas == 1);
    CHECK(r[0].start == abi::MOCK_APERTURE_START);
    CHECK(r[0].last == abi::MOCK_APERTURE_LAST);
    CHECK(cmd.out_iova_alignment == page / 2);
}

FAKE_CASE("iova_ranges: a too small array -> EMSGSIZE, with the count needed copied back [6.12 ioas.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    abi::iommu_test_cmd reserve{};
    reserve.op = abi::IOMMU_TEST_OP_ADD_RESERVED;
    reserve.id = io;
    reserve.add_reserved.start = page;
    reserve.add_reserved.length = page;
    REQUIRE(call(fd, reserve) == 0);
    abi::iommu_iova_range r[2]{};
    abi::iommu_ioas_iova_ranges cmd{};
    cmd.ioas_id = io;
    cmd.num_iovas = 1;
    cmd.allowed_iovas = address(r);
    rejected_with_reply(fd, cmd, EMSGSIZE);
    CHECK(cmd.num_iovas == 2);
    CHECK(r[0].last == page - 1);  // what fit was written
    CHECK(r[1].start == 0);       // what did not fit was not
}

FAKE_CASE("iova_ranges: non-zero __reserved -> EOPNOTSUPP [6.12 ioas.c]") {
    int fd = open("/dev/iommu");
    abi::iommu_ioas_iova_ranges cmd{};
    cmd.ioas_id = ioas(fd);
    cmd.__reserved = 1;
    rejected(fd, cmd, EOPNOTSUPP);
}

FAKE_CASE("allow_iovas: a range with start >= last -> EINVAL [6.12 ioas.c]") {
    int fd = open("/dev/iommu");
    abi::iommu_iova_range r{page, page};
    abi::iommu_ioas_allow_iovas cmd{};
    cmd.ioas_id = ioas(fd);
    cmd.num_iovas = 1;
    cmd.allowed_iovas = address(&r);
    rejected(fd, cmd, EINVAL);
}

FAKE_CASE("allow_iovas: two ranges that overlap -> EINVAL [6.12 ioas.c]") {
    int fd = open("/dev/iommu");
    abi::iommu_iova_range r[2]{{page, 4 * page}, {2 * page, 8 * page}};
    abi::iommu_ioas_allow_iovas cmd{};
    cmd.ioas_id = ioas(fd);
    cmd.num_iovas = 2;
    cmd.allowed_iovas = address(r);
    rejected(fd, cmd, EINVAL);
}

FAKE_CASE("allow_iovas: a range over reserved IOVA -> EADDRINUSE [6.12 io_pagetable.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock_device(fd, io);  // reserves everything outside [16 MiB, 2 GiB)
    abi::iommu_iova_range r{page, 600 * page};
    abi::iommu_ioas_allow_iovas cmd{};
    cmd.ioas_id = io;
    cmd.num_iovas = 1;
    cmd.allowed_iovas = address(&r);
    rejected(fd, cmd, EADDRINUSE);
}

FAKE_CASE("allow_iovas: a domain whose aperture excludes an allowed range cannot be added -> EADDRINUSE [6.12 io_pagetable.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    abi::iommu_iova_range r{page, 600 * page};
    abi::iommu_ioas_allow_iovas allow{};
    allow.ioas_id = io;
    allow.num_iovas = 1;
    allow.allowed_iovas = address(&r);
    REQUIRE(call(fd, allow) == 0);
    abi::iommu_test_cmd cmd{};
    cmd.op = abi::IOMMU_TEST_OP_MOCK_DOMAIN;
    cmd.id = io;
    rejected(fd, cmd, EADDRINUSE);
}

FAKE_CASE("allow_iovas: automatic IOVAs come from the allowed ranges [6.12 io_pagetable.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    abi::iommu_iova_range r{200 * page, 600 * page - 1};
    abi::iommu_ioas_allow_iovas allow{};
    allow.ioas_id = io;
    allow.num_iovas = 1;
    allow.allowed_iovas = address(&r);
    REQUIRE(call(fd, allow) == 0);
    buffer b(8 * page);
    uint64_t iova = map(fd, io, b.address(), 8 * page);
    CHECK(iova >= r.start);
    CHECK(iova + 8 * page - 1 <= r.last);
}

FAKE_CASE("allow_iovas: two allowed ranges that touch are one span for automatic IOVAs [6.12 io_pagetable.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    // [1 MiB, 2 MiB) and [2 MiB, 3 MiB): a 2 MiB map fits only across both.
    abi::iommu_iova_range r[2]{{0x100000, 0x1fffff}, {0x200000, 0x2fffff}};
    abi::iommu_ioas_allow_iovas allow{};
    allow.ioas_id = io;
    allow.num_iovas = 2;
    allow.allowed_iovas = address(r);
    REQUIRE(call(fd, allow) == 0);
    // A user address whose lowest set bit is 4 KiB, so the IOVA keeps only
    // 4 KiB alignment and may start at 1 MiB.
    constexpr uint64_t huge = 2 << 20;
    buffer b(2 * huge + 2 * page);
    const uint64_t va = ((b.address() + huge - 1) & ~(huge - 1)) + page;
    CHECK(map(fd, io, va, huge) == 0x100000);
}

// ---- IOAS_COPY -------------------------------------------------------------------------

FAKE_CASE("copy: a source range that is not mapped -> ENOENT [6.12 io_pagetable.c]") {
    int fd = open("/dev/iommu");
    uint32_t src = ioas(fd), dst = ioas(fd);
    abi::iommu_ioas_copy cmd{};
    cmd.flags = abi::IOMMU_IOAS_MAP_WRITEABLE;
    cmd.src_ioas_id = src;
    cmd.dst_ioas_id = dst;
    cmd.length = page;
    cmd.src_iova = 16 * page;
    rejected(fd, cmd, ENOENT);
}

FAKE_CASE("copy: the copy shares the pages: a domain on the destination adds no pin [6.12 io_pagetable.c]") {
    int fd = open("/dev/iommu");
    uint32_t src = ioas(fd), dst = ioas(fd);
    mock_device(fd, src);
    mock_device(fd, dst);
    buffer b(2 * page);
    uint64_t iova = map(fd, src, b.address(), 2 * page, aperture);
    abi::iommu_ioas_copy cmd{};
    cmd.flags = abi::IOMMU_IOAS_MAP_WRITEABLE | abi::IOMMU_IOAS_MAP_FIXED_IOVA;
    cmd.src_ioas_id = src;
    cmd.dst_ioas_id = dst;
    cmd.length = 2 * page;
    cmd.src_iova = iova;
    cmd.dst_iova = aperture + 64 * page;
    REQUIRE(call(fd, cmd) == 0);
    CHECK(check_refs(fd, b.data(), 2 * page, 1) == 0);
}

FAKE_CASE("copy: a destination that is not an IOAS -> ENOENT [6.12 ioas.c]") {
    int fd = open("/dev/iommu");
    uint32_t src = ioas(fd);
    buffer b(page);
    uint64_t iova = map(fd, src, b.address(), page);
    abi::iommu_ioas_copy cmd{};
    cmd.flags = abi::IOMMU_IOAS_MAP_READABLE;
    cmd.src_ioas_id = src;
    cmd.dst_ioas_id = 99;
    cmd.length = page;
    cmd.src_iova = iova;
    rejected(fd, cmd, ENOENT);
}

// ---- options and alignment -------------------------------------------------------------

FAKE_CASE("option: RLIMIT_MODE starts as per-user accounting (0) [6.12 ioas.c]") {
    int fd = open("/dev/iommu");
    abi::iommu_option cmd{};
    cmd.option_id = abi::IOMMU_OPTION_RLIMIT_MODE;
    cmd.op = abi::IOMMU_OPTION_OP_GET;
    cmd.val64 = 7;
    REQUIRE(call(fd, cmd) == 0);
    CHECK(cmd.val64 == 0);
}

// 6.12 main.c, iommufd_option(): the reply is a copy_to_user() of val64
// alone, not iommufd_ucmd_respond() of the struct, so the bytes before it
// may be read-only.
FAKE_CASE("option: only val64 is written back; the bytes before it may be read-only [6.12 main.c]") {
    if (!via().copies_structs()) return;  // the typed layer passes its own objects
    int fd = open("/dev/iommu");
    abi::iommu_option cmd{};
    cmd.option_id = abi::IOMMU_OPTION_RLIMIT_MODE;
    cmd.op = abi::IOMMU_OPTION_OP_GET;
    cmd.val64 = 7;
    REQUIRE(call_split(fd, abi::IOMMU_OPTION, cmd, offsetof(abi::iommu_option, val64)) == 0);
    CHECK(cmd.val64 == 0);
    // One byte of val64 read-only as well: the reply fails.
    cmd.val64 = 7;
    CHECK(call_split(fd, abi::IOMMU_OPTION, cmd, offsetof(abi::iommu_option, val64) + 1) == -EFAULT);
}

FAKE_CASE("option: setting RLIMIT_MODE without CAP_SYS_RESOURCE -> EPERM [6.12 ioas.c]") {
    int fd = open("/dev/iommu");
    host().set_capabilities(false, true);
    abi::iommu_option cmd{};
    cmd.option_id = abi::IOMMU_OPTION_RLIMIT_MODE;
    cmd.op = abi::IOMMU_OPTION_OP_SET;
    cmd.val64 = 1;
    rejected(fd, cmd, EPERM);
    host().set_capabilities(true, true);
}

FAKE_CASE("option: setting RLIMIT_MODE once objects exist -> EBUSY [6.12 ioas.c]") {
    int fd = open("/dev/iommu");
    host().set_capabilities(true, true);
    ioas(fd);
    abi::iommu_option cmd{};
    cmd.option_id = abi::IOMMU_OPTION_RLIMIT_MODE;
    cmd.op = abi::IOMMU_OPTION_OP_SET;
    cmd.val64 = 1;
    rejected(fd, cmd, EBUSY);
}

FAKE_CASE("option: RLIMIT_MODE 2 -> EINVAL [6.12 ioas.c]") {
    int fd = open("/dev/iommu");
    host().set_capabilities(true, true);
    abi::iommu_option cmd{};
    cmd.option_id = abi::IOMMU_OPTION_RLIMIT_MODE;
    cmd.op = abi::IOMMU_OPTION_OP_SET;
    cmd.val64 = 2;
    rejected(fd, cmd, EINVAL);
}

FAKE_CASE("option: an unknown option -> EOPNOTSUPP [6.12 main.c]") {
    int fd = open("/dev/iommu");
    abi::iommu_option cmd{};
    cmd.option_id = 9;
    cmd.op = abi::IOMMU_OPTION_OP_GET;
    rejected(fd, cmd, EOPNOTSUPP);
}

FAKE_CASE("option: HUGE_PAGES of an id that is not an IOAS -> ENOENT [6.12 ioas.c]") {
    int fd = open("/dev/iommu");
    abi::iommu_option cmd{};
    cmd.option_id = abi::IOMMU_OPTION_HUGE_PAGES;
    cmd.op = abi::IOMMU_OPTION_OP_GET;
    rejected(fd, cmd, ENOENT);
}

FAKE_CASE("option: turning huge pages off when domains already map pages -> EINVAL [6.12 io_pagetable.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock_device(fd, io);
    buffer b(page);
    map(fd, io, b.address(), page, aperture);
    abi::iommu_option cmd{};
    cmd.option_id = abi::IOMMU_OPTION_HUGE_PAGES;
    cmd.op = abi::IOMMU_OPTION_OP_SET;
    cmd.object_id = io;
    cmd.val64 = 0;
    rejected(fd, cmd, EINVAL);
}

FAKE_CASE("option: turning huge pages off over an area not page aligned -> EADDRINUSE [6.12 io_pagetable.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    buffer b(2 * page);
    map(fd, io, b.address() + page / 2, page, aperture + page);
    abi::iommu_option cmd{};
    cmd.option_id = abi::IOMMU_OPTION_HUGE_PAGES;
    cmd.op = abi::IOMMU_OPTION_OP_SET;
    cmd.object_id = io;
    cmd.val64 = 0;
    rejected(fd, cmd, EADDRINUSE);
}

FAKE_CASE("option: with huge pages off every map must be page aligned -> EINVAL [6.12 io_pagetable.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    abi::iommu_option opt{};
    opt.option_id = abi::IOMMU_OPTION_HUGE_PAGES;
    opt.op = abi::IOMMU_OPTION_OP_SET;
    opt.object_id = io;
    opt.val64 = 0;
    REQUIRE(call(fd, opt) == 0);
    buffer b(2 * page);
    auto cmd = map_cmd(io, b.address() + page / 2, page, aperture + page);
    rejected(fd, cmd, EINVAL);
}

// ---- IOAS_MAP_FILE and IOAS_CHANGE_PROCESS (mainline) ----------------------------------

namespace {
int memfd(size_t bytes, int flags = 0) {
    int fd = ::memfd_create("uapikit-test", MFD_CLOEXEC | flags);
    REQUIRE(fd >= 0);
    REQUIRE(::ftruncate(fd, static_cast<off_t>(bytes)) == 0);
    return fd;
}
}  // namespace

FAKE_CASE("map_file: a memfd maps like memory, and is pinned with a domain [mainline ioas.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock_device(fd, io);
    int mem = memfd(4 * page);
    abi::iommu_ioas_map_file cmd{};
    cmd.flags = abi::IOMMU_IOAS_MAP_READABLE | abi::IOMMU_IOAS_MAP_WRITEABLE;
    cmd.ioas_id = io;
    cmd.fd = mem;
    cmd.length = 4 * page;
    REQUIRE(call(fd, cmd) == 0);
    CHECK(cmd.iova >= abi::MOCK_APERTURE_START);
    ::close(mem);  // the IOAS holds the file
    CHECK(unmap(fd, io, cmd.iova, 4 * page) == 4 * page);
}

FAKE_CASE("map_file: an fd that is not open -> EBADF [mainline ioas.c]") {
    int fd = open("/dev/iommu");
    abi::iommu_ioas_map_file cmd{};
    cmd.flags = abi::IOMMU_IOAS_MAP_READABLE;
    cmd.ioas_id = ioas(fd);
    cmd.fd = 100000;
    cmd.length = page;
    rejected(fd, cmd, EBADF);
}

FAKE_CASE("map_file: a writeable map of a file open read-only -> EPERM [mainline pages.c]") {
    int fd = open("/dev/iommu");
    int mem = memfd(page);
    char path[64];
    std::snprintf(path, sizeof path, "/proc/self/fd/%d", mem);
    int ro = ::open(path, O_RDONLY | O_CLOEXEC);
    REQUIRE(ro >= 0);
    abi::iommu_ioas_map_file cmd{};
    cmd.flags = abi::IOMMU_IOAS_MAP_READABLE | abi::IOMMU_IOAS_MAP_WRITEABLE;
    cmd.ioas_id = ioas(fd);
    cmd.fd = ro;
    cmd.length = page;
    rejected(fd, cmd, EPERM);
    ::close(ro);
    ::close(mem);
}

FAKE_CASE("map_file: with a domain, a range past the end of the file -> EFAULT [fake]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock_device(fd, io);
    int mem = memfd(page);
    abi::iommu_ioas_map_file cmd{};
    cmd.flags = abi::IOMMU_IOAS_MAP_READABLE;
    cmd.ioas_id = io;
    cmd.fd = mem;
    cmd.length = 4 * page;
    rejected(fd, cmd, EFAULT);
    ::close(mem);
}

FAKE_CASE("change_process: with a map of user memory -> EINVAL [mainline ioas.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    buffer b(page);
    map(fd, io, b.address(), page);
    abi::iommu_ioas_change_process cmd{};
    rejected(fd, cmd, EINVAL);
}

FAKE_CASE("change_process: maps of files only move to the caller [mainline ioas.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    int mem = memfd(page);
    abi::iommu_ioas_map_file map_file{};
    map_file.flags = abi::IOMMU_IOAS_MAP_READABLE;
    map_file.ioas_id = io;
    map_file.fd = mem;
    map_file.length = page;
    REQUIRE(call(fd, map_file) == 0);
    abi::iommu_ioas_change_process cmd{};
    CHECK(call(fd, cmd) == 0);
    ::close(mem);
}

FAKE_CASE("change_process: non-zero __reserved -> EOPNOTSUPP [mainline ioas.c]") {
    int fd = open("/dev/iommu");
    abi::iommu_ioas_change_process cmd{};
    cmd.__reserved = 1;
    rejected(fd, cmd, EOPNOTSUPP);
}
