// HW page tables: paging HWPTs over an IOAS, nested HWPTs with driver
// data, cache invalidation, dirty tracking, attaching and replacing.
#include "semantics_fixture.hpp"

#include <uapikit/fake/page_backing.hpp>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <fstream>
#include <string>
#include <vector>

using namespace uapikit::testing;

// ---- paging HWPTs ------------------------------------------------------------------

FAKE_CASE("hwpt: an unknown flag bit -> EOPNOTSUPP [6.12 hw_pagetable.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock m = mock_device(fd, io);
    auto cmd = hwpt_cmd(m.dev, io, 1u << 7);
    rejected(fd, cmd, EOPNOTSUPP);
}

FAKE_CASE("hwpt: non-zero __reserved -> EOPNOTSUPP [6.12 hw_pagetable.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock m = mock_device(fd, io);
    auto cmd = hwpt_cmd(m.dev, io, abi::IOMMU_HWPT_ALLOC_NEST_PARENT);
    cmd.__reserved = 1;
    rejected(fd, cmd, EOPNOTSUPP);
}

FAKE_CASE("hwpt: data type NONE with data, or a type without data -> EINVAL [6.12 hw_pagetable.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock m = mock_device(fd, io);
    auto cmd = hwpt_cmd(m.dev, io);
    cmd.data_len = 4;
    rejected(fd, cmd, EINVAL);
    auto typed = hwpt_cmd(m.dev, io);
    typed.data_type = abi::IOMMU_HWPT_DATA_SELFTEST;
    rejected(fd, typed, EINVAL);
}

FAKE_CASE("hwpt: a dev_id that is not a device -> ENOENT [6.12 hw_pagetable.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    auto cmd = hwpt_cmd(io, io);
    rejected(fd, cmd, ENOENT);
}

FAKE_CASE("hwpt: a pt_id that is not an IOAS, paging HWPT or vIOMMU -> EINVAL [6.12 hw_pagetable.c]") {
    int fd = open("/dev/iommu");
    mock m = mock_device(fd, ioas(fd));
    auto missing = hwpt_cmd(m.dev, 99);
    rejected(fd, missing, EINVAL);
    auto device = hwpt_cmd(m.dev, m.dev);
    rejected(fd, device, EINVAL);
}

FAKE_CASE("hwpt: NEST_PARENT together with FAULT_ID_VALID -> EOPNOTSUPP [6.12 hw_pagetable.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock m = mock_device(fd, io);
    auto cmd = hwpt_cmd(m.dev, io, abi::IOMMU_HWPT_ALLOC_NEST_PARENT | abi::IOMMU_HWPT_FAULT_ID_VALID);
    rejected(fd, cmd, EOPNOTSUPP);
}

FAKE_CASE("hwpt: DIRTY_TRACKING for a device whose IOMMU cannot -> EOPNOTSUPP [6.12 hw_pagetable.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock m = mock_device(fd, io, abi::MOCK_FLAGS_DEVICE_NO_DIRTY);
    auto cmd = hwpt_cmd(m.dev, io, abi::IOMMU_HWPT_ALLOC_DIRTY_TRACKING);
    rejected(fd, cmd, EOPNOTSUPP);
}

FAKE_CASE("hwpt: driver data for a paging HWPT -> EOPNOTSUPP [6.12 selftest.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock m = mock_device(fd, io);
    abi::iommu_hwpt_selftest data{abi::IOMMU_TEST_IOTLB_DEFAULT};
    auto cmd = hwpt_cmd(m.dev, io);
    cmd.data_type = abi::IOMMU_HWPT_DATA_SELFTEST;
    cmd.data_len = sizeof data;
    cmd.data_uptr = address(&data);
    rejected(fd, cmd, EOPNOTSUPP);
}

FAKE_CASE("hwpt: NEST_PARENT over an IOAS gives a nesting parent that holds the IOAS [6.12 hw_pagetable.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock m = mock_device(fd, io);
    uint32_t hwpt = nest_parent(fd, m.dev, io);
    CHECK(hwpt > m.hwpt);
    CHECK(viommu(fd, m.dev, hwpt) > 0);
}

FAKE_CASE("hwpt: a paging HWPT maps the IOAS's areas as soon as it exists, before any attach [6.12 io_pagetable.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd), other = ioas(fd);
    mock m = mock_device(fd, other);
    buffer b(page);
    map(fd, io, b.address(), page, aperture);
    CHECK(check_refs(fd, b.data(), page, 0) == 0);
    hwpt(fd, m.dev, io, 0);
    CHECK(check_refs(fd, b.data(), page, 1) == 0);
}

// ---- nested HWPTs ------------------------------------------------------------------------

struct nesting {
    int fd;
    uint32_t ioas;
    mock m;
    uint32_t parent;
};

static nesting parent_of(fake_fixture& f) {
    nesting n{};
    n.fd = f.open("/dev/iommu");
    n.ioas = f.ioas(n.fd);
    n.m = f.mock_device(n.fd, n.ioas);
    n.parent = f.nest_parent(n.fd, n.m.dev, n.ioas);
    return n;
}

static abi::iommu_hwpt_alloc nested_cmd(const nesting& n, const abi::iommu_hwpt_selftest* data, uint32_t len,
                                        uint32_t type = abi::IOMMU_HWPT_DATA_SELFTEST) {
    auto cmd = fake_fixture::hwpt_cmd(n.m.dev, n.parent);
    cmd.data_type = type;
    cmd.data_len = len;
    cmd.data_uptr = address(data);
    return cmd;
}

FAKE_CASE("nested: a data type the mock does not know -> EOPNOTSUPP [6.12 selftest.c]") {
    auto n = parent_of(*this);
    abi::iommu_hwpt_selftest data{abi::IOMMU_TEST_IOTLB_DEFAULT};
    auto cmd = nested_cmd(n, &data, sizeof data, abi::IOMMU_HWPT_DATA_SELFTEST + 1);
    rejected(n.fd, cmd, EOPNOTSUPP);
}

FAKE_CASE("nested: data shorter than its required field -> EINVAL [6.12 include/linux/iommu.h]") {
    auto n = parent_of(*this);
    abi::iommu_hwpt_selftest data{abi::IOMMU_TEST_IOTLB_DEFAULT};
    auto cmd = nested_cmd(n, &data, sizeof data - 1);
    rejected(n.fd, cmd, EINVAL);
}

FAKE_CASE("nested: data longer than the driver's struct -> EINVAL [6.12 include/linux/iommu.h]") {
    auto n = parent_of(*this);
    abi::iommu_hwpt_selftest data[2]{};
    auto cmd = nested_cmd(n, data, sizeof data);
    rejected(n.fd, cmd, EINVAL);
}

FAKE_CASE("nested: a null data pointer -> EFAULT [6.12 selftest.c]") {
    auto n = parent_of(*this);
    auto cmd = nested_cmd(n, nullptr, sizeof(abi::iommu_hwpt_selftest));
    rejected(n.fd, cmd, EFAULT);
}

FAKE_CASE("nested: a flag other than FAULT_ID_VALID -> EOPNOTSUPP [6.12 hw_pagetable.c]") {
    auto n = parent_of(*this);
    abi::iommu_hwpt_selftest data{abi::IOMMU_TEST_IOTLB_DEFAULT};
    auto cmd = nested_cmd(n, &data, sizeof data);
    cmd.flags = abi::IOMMU_HWPT_ALLOC_NEST_PARENT;
    rejected(n.fd, cmd, EOPNOTSUPP);
}

FAKE_CASE("nested: over a paging HWPT that is no nesting parent -> EINVAL [6.12 hw_pagetable.c]") {
    auto n = parent_of(*this);
    abi::iommu_hwpt_selftest data{abi::IOMMU_TEST_IOTLB_DEFAULT};
    auto cmd = nested_cmd(n, &data, sizeof data);
    cmd.pt_id = n.m.hwpt;  // the mock's automatic domain
    rejected(n.fd, cmd, EINVAL);
}

FAKE_CASE("nested: over a nested HWPT -> EINVAL [6.12 hw_pagetable.c]") {
    auto n = parent_of(*this);
    uint32_t nested = mock_nested(n.fd, n.m.dev, n.parent);
    abi::iommu_hwpt_selftest data{abi::IOMMU_TEST_IOTLB_DEFAULT};
    auto cmd = nested_cmd(n, &data, sizeof data);
    cmd.pt_id = nested;
    rejected(n.fd, cmd, EINVAL);
}

FAKE_CASE("nested: a fault queue id that does not exist -> ENOENT [6.12 hw_pagetable.c]") {
    auto n = parent_of(*this);
    abi::iommu_hwpt_selftest data{abi::IOMMU_TEST_IOTLB_DEFAULT};
    auto cmd = nested_cmd(n, &data, sizeof data);
    cmd.flags = abi::IOMMU_HWPT_FAULT_ID_VALID;
    cmd.fault_id = UINT32_MAX;
    rejected(n.fd, cmd, ENOENT);
}

FAKE_CASE("nested: the parent is busy while a nested HWPT uses it -> EBUSY [6.12 hw_pagetable.c]") {
    auto n = parent_of(*this);
    mock_nested(n.fd, n.m.dev, n.parent);
    abi::iommu_destroy cmd{};
    cmd.id = n.parent;
    rejected(n.fd, cmd, EBUSY);
}

FAKE_CASE("nested: every IOTLB entry of a mock nested HWPT starts at the data's value [6.12 selftest.c]") {
    auto n = parent_of(*this);
    uint32_t nested = mock_nested(n.fd, n.m.dev, n.parent, 0x1234);
    for (uint32_t i = 0; i < abi::MOCK_NESTED_DOMAIN_IOTLB_NUM; ++i) {
        abi::iommu_test_cmd check{};
        check.op = abi::IOMMU_TEST_OP_MD_CHECK_IOTLB;
        check.id = nested;
        check.check_iotlb.id = i;
        check.check_iotlb.iotlb = 0x1234;
        CHECK(call(n.fd, check) == 0);
    }
}

// ---- invalidation ----------------------------------------------------------------------

static abi::iommu_hwpt_invalidate invalidate_cmd(uint32_t hwpt, const void* entries, uint32_t len, uint32_t num,
                                                 uint32_t type = abi::IOMMU_HWPT_INVALIDATE_DATA_SELFTEST) {
    abi::iommu_hwpt_invalidate cmd{};
    cmd.hwpt_id = hwpt;
    cmd.data_uptr = address(entries);
    cmd.data_type = type;
    cmd.entry_len = len;
    cmd.entry_num = num;
    return cmd;
}

FAKE_CASE("invalidate: a paging HWPT id -> ENOENT, with 0 entries done [6.12 hw_pagetable.c]") {
    auto n = parent_of(*this);
    abi::iommu_hwpt_invalidate_selftest inv{};
    auto cmd = invalidate_cmd(n.parent, &inv, sizeof inv, 1);
    rejected_with_reply(n.fd, cmd, ENOENT);
    CHECK(cmd.entry_num == 0);
}

FAKE_CASE("invalidate: no entries checks only the data type [6.12 hw_pagetable.c]") {
    auto n = parent_of(*this);
    uint32_t nested = mock_nested(n.fd, n.m.dev, n.parent);
    auto cmd = invalidate_cmd(nested, nullptr, 0, 0);
    CHECK(call(n.fd, cmd) == 0);
    auto wrong = invalidate_cmd(nested, nullptr, 0, 0, abi::IOMMU_HWPT_INVALIDATE_DATA_SELFTEST_INVALID);
    rejected_with_reply(n.fd, wrong, EINVAL);
}

FAKE_CASE("invalidate: entries without a pointer or length, or over a page each -> EINVAL [6.12 hw_pagetable.c]") {
    auto n = parent_of(*this);
    uint32_t nested = mock_nested(n.fd, n.m.dev, n.parent);
    abi::iommu_hwpt_invalidate_selftest inv{};
    auto null = invalidate_cmd(nested, nullptr, sizeof inv, 1);
    rejected_with_reply(n.fd, null, EINVAL);
    auto zero = invalidate_cmd(nested, &inv, 0, 1);
    rejected_with_reply(n.fd, zero, EINVAL);
    auto huge = invalidate_cmd(nested, &inv, page + 1, 1);
    rejected_with_reply(n.fd, huge, EINVAL);
}

FAKE_CASE("invalidate: an entry length other than the driver's struct -> EINVAL [6.12 include/linux/iommu.h]") {
    auto n = parent_of(*this);
    uint32_t nested = mock_nested(n.fd, n.m.dev, n.parent);
    abi::iommu_hwpt_invalidate_selftest inv[2]{};
    auto longer = invalidate_cmd(nested, inv, sizeof inv[0] + 1, 1);
    rejected_with_reply(n.fd, longer, EINVAL);
    CHECK(longer.entry_num == 0);
    auto shorter = invalidate_cmd(nested, inv, 1, 1);
    rejected_with_reply(n.fd, shorter, EINVAL);
}

FAKE_CASE("invalidate: entries run in order: the second fails, the first stays done, and entry_num says 1 [6.12 selftest.c]") {
    auto n = parent_of(*this);
    uint32_t nested = mock_nested(n.fd, n.m.dev, n.parent);
    abi::iommu_hwpt_invalidate_selftest inv[2]{{0, 0}, {0xffffffff, 1}};
    auto cmd = invalidate_cmd(nested, inv, sizeof inv[0], 2);
    CHECK(call(n.fd, cmd) == -EOPNOTSUPP);
    CHECK(cmd.entry_num == 1);
    abi::iommu_test_cmd check{};
    check.op = abi::IOMMU_TEST_OP_MD_CHECK_IOTLB;
    check.id = nested;
    check.check_iotlb.id = 0;
    check.check_iotlb.iotlb = 0;
    CHECK(call(n.fd, check) == 0);
    check.check_iotlb.id = 1;
    check.check_iotlb.iotlb = abi::IOMMU_TEST_IOTLB_DEFAULT;
    check.size = 0;
    CHECK(call(n.fd, check) == 0);
}

FAKE_CASE("invalidate: an iotlb id past the mock's last -> EINVAL [6.12 selftest.c]") {
    auto n = parent_of(*this);
    uint32_t nested = mock_nested(n.fd, n.m.dev, n.parent);
    abi::iommu_hwpt_invalidate_selftest inv{0, abi::MOCK_NESTED_DOMAIN_IOTLB_ID_MAX + 1};
    auto cmd = invalidate_cmd(nested, &inv, sizeof inv, 1);
    rejected_with_reply(n.fd, cmd, EINVAL);
}

// ---- attach and replace -------------------------------------------------------------------

static int replace(fake_fixture& f, int fd, uint32_t stdev, uint32_t* pt_id) {
    abi::iommu_test_cmd cmd{};
    cmd.op = abi::IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE;
    cmd.id = stdev;
    cmd.mock_domain_replace.pt_id = *pt_id;
    int rc = f.call(fd, cmd);
    *pt_id = cmd.mock_domain_replace.pt_id;
    return rc;
}

FAKE_CASE("attach: a second mock device on the IOAS shares the first one's automatic domain [6.12 device.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock a = mock_device(fd, io), b = mock_device(fd, io);
    CHECK(a.hwpt == b.hwpt);
}

FAKE_CASE("attach: moving the last device off an automatic domain destroys it [6.12 device.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd), other = ioas(fd);
    mock m = mock_device(fd, io);
    uint32_t pt = other;
    REQUIRE(replace(*this, fd, m.stdev, &pt) == 0);
    CHECK(pt != m.hwpt);
    uint32_t old = m.hwpt;
    abi::iommu_test_cmd cmd{};
    cmd.op = abi::IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE;
    cmd.id = m.stdev;
    cmd.mock_domain_replace.pt_id = old;
    rejected(fd, cmd, ENOENT);
}

FAKE_CASE("attach: a HWPT a device is attached to is busy; replacing moves the device on [6.12 device.c]") {
    auto n = parent_of(*this);
    uint32_t nested = mock_nested(n.fd, n.m.dev, n.parent);
    uint32_t pt = nested;
    REQUIRE(replace(*this, n.fd, n.m.stdev, &pt) == 0);
    abi::iommu_destroy busy{};
    busy.id = nested;
    rejected(n.fd, busy, EBUSY);
    pt = n.parent;
    REQUIRE(replace(*this, n.fd, n.m.stdev, &pt) == 0);
    busy.size = 0;
    CHECK(call(n.fd, busy) == 0);
}

FAKE_CASE("attach: a dirty-tracking domain refuses a mock device without dirty tracking -> EINVAL [6.12 selftest.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock m = mock_device(fd, io);
    uint32_t dirty = hwpt(fd, m.dev, io, abi::IOMMU_HWPT_ALLOC_DIRTY_TRACKING);
    abi::iommu_test_cmd cmd{};
    cmd.op = abi::IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS;
    cmd.id = dirty;
    cmd.mock_domain_flags.dev_flags = abi::MOCK_FLAGS_DEVICE_NO_DIRTY;
    rejected(fd, cmd, EINVAL);
}

// ---- dirty tracking --------------------------------------------------------------------

struct dirty_setup {
    int fd;
    uint32_t ioas, hwpt;
};

static dirty_setup dirty_hwpt(fake_fixture& f, const buffer& b) {
    dirty_setup d{};
    d.fd = f.open("/dev/iommu");
    d.ioas = f.ioas(d.fd);
    mock m = f.mock_device(d.fd, f.ioas(d.fd));
    f.map(d.fd, d.ioas, b.address(), b.size(), aperture);
    d.hwpt = f.hwpt(d.fd, m.dev, d.ioas, abi::IOMMU_HWPT_ALLOC_DIRTY_TRACKING);
    return d;
}

static int set_tracking(fake_fixture& f, int fd, uint32_t hwpt, bool on) {
    abi::iommu_hwpt_set_dirty_tracking cmd{};
    cmd.flags = on ? uint32_t{abi::IOMMU_HWPT_DIRTY_TRACKING_ENABLE} : 0u;
    cmd.hwpt_id = hwpt;
    return f.call(fd, cmd);
}

static abi::iommu_hwpt_get_dirty_bitmap bitmap_cmd(uint32_t hwpt, uint64_t length, void* bits, uint32_t flags = 0) {
    abi::iommu_hwpt_get_dirty_bitmap cmd{};
    cmd.hwpt_id = hwpt;
    cmd.flags = flags;
    cmd.iova = aperture;
    cmd.length = length;
    cmd.page_size = page / 2;
    cmd.data = address(bits);
    return cmd;
}

FAKE_CASE("dirty: tracking on a HWPT made without DIRTY_TRACKING -> EOPNOTSUPP [6.12 io_pagetable.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock m = mock_device(fd, io);
    abi::iommu_hwpt_set_dirty_tracking cmd{};
    cmd.flags = abi::IOMMU_HWPT_DIRTY_TRACKING_ENABLE;
    cmd.hwpt_id = m.hwpt;
    rejected(fd, cmd, EOPNOTSUPP);
}

FAKE_CASE("dirty: an unknown tracking flag -> EOPNOTSUPP [6.12 hw_pagetable.c]") {
    buffer b(4 * page);
    auto d = dirty_hwpt(*this, b);
    abi::iommu_hwpt_set_dirty_tracking cmd{};
    cmd.flags = 2;
    cmd.hwpt_id = d.hwpt;
    rejected(d.fd, cmd, EOPNOTSUPP);
}

FAKE_CASE("dirty: a bitmap range not aligned to its page size, or empty -> EINVAL [6.12 io_pagetable.c]") {
    buffer b(4 * page);
    auto d = dirty_hwpt(*this, b);
    uint64_t bits = 0;
    auto odd = bitmap_cmd(d.hwpt, 3 * page / 2 + 1, &bits);
    rejected(d.fd, odd, EINVAL);
    auto empty = bitmap_cmd(d.hwpt, 0, &bits);
    rejected(d.fd, empty, EINVAL);
    auto no_page = bitmap_cmd(d.hwpt, page, &bits);
    no_page.page_size = 0;
    rejected(d.fd, no_page, EINVAL);
}

FAKE_CASE("dirty: a range that wraps around -> EOVERFLOW [6.12 io_pagetable.c]") {
    buffer b(4 * page);
    auto d = dirty_hwpt(*this, b);
    uint64_t bits = 0;
    auto cmd = bitmap_cmd(d.hwpt, UINT64_MAX - page + 1, &bits);
    rejected(d.fd, cmd, EOVERFLOW);
}

FAKE_CASE("dirty: pages the mock marks dirty are reported once, and kept with NO_CLEAR [6.12 selftest.c]") {
    buffer b(4 * page);
    auto d = dirty_hwpt(*this, b);
    REQUIRE(set_tracking(*this, d.fd, d.hwpt, true) == 0);
    uint64_t mark = 0b0101;  // IO pages 0 and 2
    abi::iommu_test_cmd dirty{};
    dirty.op = abi::IOMMU_TEST_OP_DIRTY;
    dirty.id = d.hwpt;
    dirty.dirty.iova = aperture;
    dirty.dirty.length = 4 * page;
    dirty.dirty.page_size = page / 2;
    dirty.dirty.uptr = address(&mark);
    REQUIRE(call(d.fd, dirty) == 0);
    CHECK(dirty.dirty.out_nr_dirty == 2);
    uint64_t bits = 0;
    auto keep = bitmap_cmd(d.hwpt, 4 * page, &bits, abi::IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR);
    REQUIRE(call(d.fd, keep) == 0);
    CHECK(bits == 0b0101);
    bits = 0;
    auto read = bitmap_cmd(d.hwpt, 4 * page, &bits);
    REQUIRE(call(d.fd, read) == 0);
    CHECK(bits == 0b0101);
    bits = 0;
    read.size = 0;
    REQUIRE(call(d.fd, read) == 0);
    CHECK(bits == 0);  // cleared by the read before
}

FAKE_CASE("dirty: the mock marks nothing while tracking is off -> EINVAL [6.12 selftest.c]") {
    buffer b(4 * page);
    auto d = dirty_hwpt(*this, b);
    uint64_t mark = 1;
    abi::iommu_test_cmd dirty{};
    dirty.op = abi::IOMMU_TEST_OP_DIRTY;
    dirty.id = d.hwpt;
    dirty.dirty.iova = aperture;
    dirty.dirty.length = 4 * page;
    dirty.dirty.page_size = page / 2;
    dirty.dirty.uptr = address(&mark);
    rejected(d.fd, dirty, EINVAL);
}

// ---- huge IO pages ----------------------------------------------------------------------

namespace {

constexpr uint64_t io_page = page / 2;          // the mock's IO page (selftest.c MOCK_IO_PAGE_SIZE)
constexpr uint64_t huge_io_page = 512 * io_page;  // its huge one (MOCK_HUGE_PAGE_SIZE), 1 MiB

// A mock paging domain that maps with both sizes, as for a device with
// MOCK_FLAGS_DEVICE_HUGE_IOVA, with one run of `length` bytes at `iova` of
// memory at address `source`, in contiguous chunks of `contig` bytes.
struct two_size_domain {
    uapikit::fake::iopt_pages pages;
    uapikit::fake::paging_domain d;
    two_size_domain(uint64_t iova, uint64_t length, uint64_t source, uint64_t contig) {
        pages.uptr = source;
        pages.contig = contig;
        d.io_page = io_page;
        d.pgsize_bitmap = io_page | huge_io_page;
        d.runs.emplace(iova, uapikit::fake::paging_domain::run{iova + length - 1, &pages, 0});
    }
    uint64_t size_at(uint64_t iova, uint64_t* head) const { return d.io_page_at(iova, head); }
};

// The kernel's hugetlb pages: how many are free, and their size in bytes
// (/proc/meminfo).
uint64_t meminfo(const char* key) {
    std::ifstream in("/proc/meminfo");
    std::string k;
    uint64_t v = 0;
    while (in >> k >> v) {
        if (k == key) return v;
        in.ignore(64, '\n');
    }
    return 0;
}
bool hugetlb_pages_free() { return meminfo("HugePages_Free:") > 0; }

}  // namespace

// iommu_pgsize() takes the largest page size whose alignment both the IOVA
// and the physical address have and that the rest of the run still holds.
TEST_CASE("dirty: the mock maps a huge IO page only where memory is contiguous and IOVA and address align [6.12 iommu.c]") {
    const uint64_t iova = aperture;  // 16 MiB: aligned to the huge IO page
    uint64_t head = 0;
    // Memory in 2 MiB chunks at a 2 MiB-aligned address: huge IO pages.
    two_size_domain aligned(iova, 2 * huge_io_page, 0x40000000, 2 * huge_io_page);
    CHECK(aligned.size_at(iova + 3 * io_page, &head) == huge_io_page);
    CHECK(head == iova);
    CHECK(aligned.size_at(iova + huge_io_page + io_page, &head) == huge_io_page);
    CHECK(head == iova + huge_io_page);
    // The same memory taken page by page: small IO pages only.
    two_size_domain scattered(iova, 2 * huge_io_page, 0x40000000, page);
    CHECK(scattered.size_at(iova + 3 * io_page, &head) == io_page);
    CHECK(head == iova + 3 * io_page);
    // Memory 4 KiB off the IOVA's alignment: no huge IO page can start anywhere.
    two_size_domain shifted(iova, 2 * huge_io_page, 0x40000000 + page, 2 * huge_io_page);
    CHECK(shifted.size_at(iova + 3 * io_page, &head) == io_page);
    CHECK(shifted.size_at(iova + huge_io_page, &head) == io_page);
    // A run of 1.5 huge IO pages: the first is huge, the half page after it
    // is mapped small.
    two_size_domain short_run(iova, huge_io_page + huge_io_page / 2, 0x40000000, 2 * huge_io_page);
    CHECK(short_run.size_at(iova, &head) == huge_io_page);
    CHECK(short_run.size_at(iova + huge_io_page + io_page, &head) == io_page);
    CHECK(head == iova + huge_io_page + io_page);
}

// The page sizes come from /proc/<pid>/smaps (KernelPageSize, Linux
// Documentation/filesystems/proc.rst); the model built on them is the fake's.
TEST_CASE("dirty: the fake takes ordinary memory page by page, and a range with a hole as ordinary [fake]") {
    void* mem = ::mmap(nullptr, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(mem != MAP_FAILED);
    CHECK(uapikit::fake::mapping_page_size(0, address(mem), 3 * page) == page);
    REQUIRE(::munmap(static_cast<char*>(mem) + page, page) == 0);  // a hole in the middle
    CHECK(uapikit::fake::mapping_page_size(0, address(mem), 3 * page) == page);
    ::munmap(mem, 3 * page);
    if (hugetlb_pages_free()) {
        const uint64_t huge_page = meminfo("Hugepagesize:") * 1024;
        void* huge = ::mmap(nullptr, 2 * huge_page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
        if (huge != MAP_FAILED) {
            CHECK(uapikit::fake::mapping_page_size(0, address(huge), 2 * huge_page) == huge_page);
            REQUIRE(::munmap(static_cast<char*>(huge) + huge_page, huge_page) == 0);
            CHECK(uapikit::fake::mapping_page_size(0, address(huge), 2 * huge_page) == page);  // half of it gone
            ::munmap(huge, huge_page);
        }
    }
}

// The expectation is the selftest's own (iommufd_utils.h
// _test_mock_dirty_bitmaps(), the *_huge variants of iommufd_dirty_tracking):
// one dirty small page makes its whole huge IO page read as dirty, and the
// read clears all of it. Needs hugetlb pages (scripts/test.sh reserves some
// when run as root); skipped on a machine without free ones.
FAKE_CASE("dirty: one dirty page of a huge IO page reads as the whole huge page, then as clean [6.12 selftest.c]" *
          doctest::skip(!hugetlb_pages_free())) {
    const uint64_t huge_page = meminfo("Hugepagesize:") * 1024;  // the size of the kernel's hugetlb page
    REQUIRE(huge_page >= huge_io_page);
    void* mem = ::mmap(nullptr, huge_page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
    REQUIRE(mem != MAP_FAILED);
    std::memset(mem, 0, huge_page);
    CHECK(uapikit::fake::mapping_page_size(0, address(mem), huge_page) == huge_page);
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock m = mock_device(fd, ioas(fd), abi::MOCK_FLAGS_DEVICE_HUGE_IOVA);
    map(fd, io, address(mem), huge_page, aperture);
    uint32_t h = hwpt(fd, m.dev, io, abi::IOMMU_HWPT_ALLOC_DIRTY_TRACKING);
    REQUIRE(set_tracking(*this, fd, h, true) == 0);
    uint64_t mark = 0b10;  // the second small IO page
    abi::iommu_test_cmd dirty{};
    dirty.op = abi::IOMMU_TEST_OP_DIRTY;
    dirty.id = h;
    dirty.dirty.iova = aperture;
    dirty.dirty.length = 64 * io_page;
    dirty.dirty.page_size = io_page;
    dirty.dirty.uptr = address(&mark);
    REQUIRE(call(fd, dirty) == 0);
    CHECK(dirty.dirty.out_nr_dirty == 1);
    // One bit per small IO page of two huge IO pages.
    std::vector<uint64_t> bits(2 * huge_io_page / io_page / 64);
    auto read = bitmap_cmd(h, 2 * huge_io_page, bits.data());
    REQUIRE(call(fd, read) == 0);
    for (std::size_t i = 0; i < bits.size(); ++i) {
        CAPTURE(i);
        CHECK(bits[i] == (i < bits.size() / 2 ? ~uint64_t{0} : 0));  // the first huge IO page, all of it
    }
    std::fill(bits.begin(), bits.end(), 0);
    read.size = 0;  // re-marked by call()
    REQUIRE(call(fd, read) == 0);
    CHECK(std::count(bits.begin(), bits.end(), 0) == static_cast<std::ptrdiff_t>(bits.size()));
    ::munmap(mem, huge_page);
}
