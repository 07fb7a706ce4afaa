// user_space::writable(), which decides whether a writeable IOAS area's pages
// can be pinned (FOLL_WRITE, Linux 6.12 drivers/iommu/iommufd/pages.c), asks
// /proc/self/maps in one of two ways: the PROCMAP_QUERY ioctl (Linux 6.11)
// or the file's text on older kernels. Both must give the answer that the
// mappings made here call for, whatever this machine's kernel offers.
#include <uapikit/fake/user_memory.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

using uapikit::fake::user_space;

namespace {

constexpr uint64_t page = 4096;

// Five pages, every one read-write; the test cuts them up.
struct five_pages {
    uint8_t* base;
    five_pages() {
        void* p = ::mmap(nullptr, 5 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        REQUIRE(p != MAP_FAILED);
        base = static_cast<uint8_t*>(p);
    }
    ~five_pages() { ::munmap(base, 5 * page); }
    uint64_t at(int i) const { return reinterpret_cast<uintptr_t>(base) + i * page; }
};

// Both ways' answers for [addr, addr + n), and writable()'s.
void expect(uint64_t addr, uint64_t n, int want) {
    int fd = ::open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    int by_text = user_space::maps_writable_by_text(fd, addr, addr + n);
    int by_query = user_space::maps_writable_by_query(fd, addr, addr + n);
    ::close(fd);
    CHECK(by_text == want);
    if (by_query < 0)
        MESSAGE("this kernel has no PROCMAP_QUERY (Linux 6.11); only the text was checked");
    else
        CHECK(by_query == want);
    CHECK(user_space{}.writable(addr, n) == (want == 1));
}

}  // namespace

TEST_CASE("writable: read-write anonymous memory, one page and all five") {
    five_pages m;
    expect(m.at(0), page, 1);
    expect(m.at(0), 5 * page, 1);
}

TEST_CASE("writable: a read-only page, alone or inside the range, is not") {
    five_pages m;
    REQUIRE(::mprotect(reinterpret_cast<void*>(m.at(2)), page, PROT_READ) == 0);
    expect(m.at(2), page, 0);
    expect(m.at(0), 5 * page, 0);
    expect(m.at(0), 2 * page, 1);  // the pages before it still are
    expect(m.at(3), 2 * page, 1);  // and after it
}

TEST_CASE("writable: two writable mappings side by side are, a hole between them is not") {
    five_pages m;
    // PROT_EXEC splits the mapping in three without taking write away.
    REQUIRE(::mprotect(reinterpret_cast<void*>(m.at(1)), page, PROT_READ | PROT_WRITE | PROT_EXEC) == 0);
    expect(m.at(0), 3 * page, 1);
    REQUIRE(::munmap(reinterpret_cast<void*>(m.at(3)), page) == 0);
    expect(m.at(2), 3 * page, 0);
    expect(m.at(4), page, 1);
}

TEST_CASE("writable: a mapping with no access at all is not") {
    five_pages m;
    REQUIRE(::mprotect(reinterpret_cast<void*>(m.at(4)), page, PROT_NONE) == 0);
    expect(m.at(4), page, 0);
    expect(m.at(3), 2 * page, 0);
}
