// Event queues with a file of their own: page-fault queues that a nested
// HWPT reports its device's faults to, and vIOMMU event queues; what
// read(2) and write(2) on their fds do.
#include "semantics_fixture.hpp"

#include <uapikit/veventq.hpp>

#include <cstddef>
#include <span>
#include <vector>

using namespace uapikit::testing;

namespace {

struct fault_queue {
    uint32_t id;
    int fd;
};

fault_queue alloc_fault(fake_fixture& f, int fd) {
    abi::iommu_fault_alloc cmd{};
    REQUIRE(f.call(fd, cmd) == 0);
    f.keep(static_cast<int>(cmd.out_fault_fd));
    return {cmd.out_fault_id, static_cast<int>(cmd.out_fault_fd)};
}

// A mock device attached to a nested HWPT that reports to a fault queue.
struct iopf_setup {
    int fd;
    uint32_t ioas;
    mock m;
    fault_queue q;
    uint32_t nested;
};

iopf_setup iopf(fake_fixture& f) {
    iopf_setup s{};
    s.fd = f.open("/dev/iommu");
    uint32_t io = f.ioas(s.fd);
    s.ioas = io;
    s.m = f.mock_device(s.fd, io);
    s.q = alloc_fault(f, s.fd);
    abi::iommu_hwpt_selftest data{abi::IOMMU_TEST_IOTLB_DEFAULT};
    auto cmd = fake_fixture::hwpt_cmd(s.m.dev, f.nest_parent(s.fd, s.m.dev, io), abi::IOMMU_HWPT_FAULT_ID_VALID);
    cmd.data_type = abi::IOMMU_HWPT_DATA_SELFTEST;
    cmd.data_len = sizeof data;
    cmd.data_uptr = address(&data);
    cmd.fault_id = s.q.id;
    REQUIRE(f.call(s.fd, cmd) == 0);
    s.nested = cmd.out_hwpt_id;
    REQUIRE(f.mock_replace(s.fd, s.m.stdev, s.nested) == 0);
    return s;
}

// The selftest's TRIGGER_IOPF, with its values.
int trigger_iopf(fake_fixture& f, int fd, uint32_t dev) {
    abi::iommu_test_cmd cmd{};
    cmd.op = abi::IOMMU_TEST_OP_TRIGGER_IOPF;
    cmd.trigger_iopf.dev_id = dev;
    cmd.trigger_iopf.pasid = 1;
    cmd.trigger_iopf.grpid = 2;
    cmd.trigger_iopf.perm = abi::IOMMU_PGFAULT_PERM_READ | abi::IOMMU_PGFAULT_PERM_WRITE;
    cmd.trigger_iopf.addr = 0xdeadbeaf;
    return f.call(fd, cmd);
}

}  // namespace

// ---- page-fault queues (Linux 6.12 fault.c) -------------------------------------

FAKE_CASE("fault: non-zero flags -> EOPNOTSUPP [6.12 fault.c]") {
    int fd = open("/dev/iommu");
    abi::iommu_fault_alloc cmd{};
    cmd.flags = 1;
    rejected(fd, cmd, EOPNOTSUPP);
}

FAKE_CASE("fault: the queue's file holds it: IOMMU_DESTROY -> EBUSY until the fd is closed [6.12 fault.c]") {
    int fd = open("/dev/iommu");
    auto q = alloc_fault(*this, fd);
    abi::iommu_destroy cmd{};
    cmd.id = q.id;
    rejected(fd, cmd, EBUSY);
    REQUIRE(via().close(q.fd) == 0);
    forget(q.fd);
    cmd.size = 0;
    CHECK(call(fd, cmd) == 0);
}

FAKE_CASE("fault: a nested HWPT's fault_id that is not a fault queue -> ENOENT [6.12 hw_pagetable.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock m = mock_device(fd, io);
    abi::iommu_hwpt_selftest data{abi::IOMMU_TEST_IOTLB_DEFAULT};
    auto cmd = hwpt_cmd(m.dev, nest_parent(fd, m.dev, io), abi::IOMMU_HWPT_FAULT_ID_VALID);
    cmd.data_type = abi::IOMMU_HWPT_DATA_SELFTEST;
    cmd.data_len = sizeof data;
    cmd.data_uptr = address(&data);
    cmd.fault_id = io;
    rejected(fd, cmd, ENOENT);
}

FAKE_CASE("fault: read and write of a size that is not whole records -> ESPIPE [6.12 fault.c]") {
    int fd = open("/dev/iommu");
    auto q = alloc_fault(*this, fd);
    abi::iommu_hwpt_pgfault rec[2]{};
    std::string before = host().snapshot();
    CHECK(via().read(q.fd, rec, sizeof rec[0] + 1) == -ESPIPE);
    CHECK(via().write(q.fd, rec, sizeof(abi::iommu_hwpt_page_response) - 1) == -ESPIPE);
    CHECK(host().snapshot() == before);
}

FAKE_CASE("fault: an empty queue reads 0 bytes [6.12 fault.c]") {
    int fd = open("/dev/iommu");
    auto q = alloc_fault(*this, fd);
    abi::iommu_hwpt_pgfault rec{};
    CHECK(via().read(q.fd, &rec, sizeof rec) == 0);
}

FAKE_CASE("fault: a read too small for the first queued fault -> EINVAL, and the fault stays [6.12 fault.c]") {
    auto s = iopf(*this);
    REQUIRE(trigger_iopf(*this, s.fd, s.m.dev) == 0);
    abi::iommu_hwpt_pgfault rec{};
    std::string before = host().snapshot();
    CHECK(via().read(s.q.fd, &rec, 0) == -EINVAL);
    CHECK(host().snapshot() == before);
    CHECK(via().read(s.q.fd, &rec, sizeof rec) == sizeof rec);
}

FAKE_CASE("fault: a triggered fault reads back with the device, address and a cookie; the response is written with it [6.12 fault.c]") {
    auto s = iopf(*this);
    REQUIRE(trigger_iopf(*this, s.fd, s.m.dev) == 0);
    abi::iommu_hwpt_pgfault rec{};
    REQUIRE(via().read(s.q.fd, &rec, sizeof rec) == sizeof rec);
    CHECK(rec.dev_id == s.m.dev);
    CHECK(rec.addr == 0xdeadbeaf);
    CHECK(rec.pasid == 1);
    CHECK(rec.grpid == 2);
    CHECK((rec.flags & abi::IOMMU_PGFAULT_FLAGS_PASID_VALID));
    CHECK((rec.flags & abi::IOMMU_PGFAULT_FLAGS_LAST_PAGE));
    CHECK(rec.cookie == 1);  // the first free response slot
    abi::iommu_hwpt_page_response resp{};
    resp.cookie = rec.cookie;
    resp.code = abi::IOMMUFD_PAGE_RESP_SUCCESS;
    CHECK(via().write(s.q.fd, &resp, sizeof resp) == sizeof resp);
    // Answered once: the cookie is no longer waiting.
    std::string before = host().snapshot();
    CHECK(via().write(s.q.fd, &resp, sizeof resp) == -EINVAL);
    CHECK(host().snapshot() == before);
}

FAKE_CASE("fault: a response code other than SUCCESS or INVALID -> EINVAL [6.12 fault.c]") {
    auto s = iopf(*this);
    REQUIRE(trigger_iopf(*this, s.fd, s.m.dev) == 0);
    abi::iommu_hwpt_pgfault rec{};
    REQUIRE(via().read(s.q.fd, &rec, sizeof rec) == sizeof rec);
    abi::iommu_hwpt_page_response resp{};
    resp.cookie = rec.cookie;
    resp.code = 7;
    std::string before = host().snapshot();
    CHECK(via().write(s.q.fd, &resp, sizeof resp) == -EINVAL);
    CHECK(host().snapshot() == before);
}

FAKE_CASE("fault: leaving the HWPT answers the device's pending faults [6.12 fault.c]") {
    auto s = iopf(*this);
    REQUIRE(trigger_iopf(*this, s.fd, s.m.dev) == 0);
    REQUIRE(mock_replace(s.fd, s.m.stdev, s.ioas) == 0);  // a new automatic domain
    abi::iommu_hwpt_pgfault rec{};
    CHECK(via().read(s.q.fd, &rec, sizeof rec) == 0);
}

FAKE_CASE("fault: a device on a HWPT without a fault queue has its fault answered by the core [6.12 selftest.c]") {
    int fd = open("/dev/iommu");
    mock m = mock_device(fd, ioas(fd));
    auto q = alloc_fault(*this, fd);
    CHECK(trigger_iopf(*this, fd, m.dev) == 0);
    abi::iommu_hwpt_pgfault rec{};
    CHECK(via().read(q.fd, &rec, sizeof rec) == 0);
}

// ---- vIOMMU event queues (mainline eventq.c) -------------------------------------

namespace {

struct vevent_setup {
    int fd;
    mock m;
    uint32_t viommu;
};

// A mock device with vDEVICE virt_id on a vIOMMU, attached to a nested
// HWPT of that vIOMMU (where the mock learns its virtual id).
vevent_setup vevent(fake_fixture& f, uint64_t virt_id = 0x99) {
    vevent_setup s{};
    s.fd = f.open("/dev/iommu");
    uint32_t io = f.ioas(s.fd);
    s.m = f.mock_device(s.fd, io);
    s.viommu = f.viommu(s.fd, s.m.dev, f.nest_parent(s.fd, s.m.dev, io));
    f.vdevice(s.fd, s.viommu, s.m.dev, virt_id);
    REQUIRE(f.mock_replace(s.fd, s.m.stdev, f.mock_nested(s.fd, s.m.dev, s.viommu)) == 0);
    return s;
}

abi::iommu_veventq_alloc veventq_cmd(uint32_t viommu_id, uint32_t depth = 2, uint32_t type = abi::IOMMU_VEVENTQ_TYPE_SELFTEST) {
    abi::iommu_veventq_alloc cmd{};
    cmd.viommu_id = viommu_id;
    cmd.type = type;
    cmd.veventq_depth = depth;
    return cmd;
}

int veventq(fake_fixture& f, int fd, uint32_t viommu_id, uint32_t depth) {
    auto cmd = veventq_cmd(viommu_id, depth);
    REQUIRE(f.call(fd, cmd) == 0);
    f.keep(static_cast<int>(cmd.out_veventq_fd));
    return static_cast<int>(cmd.out_veventq_fd);
}

abi::iommu_test_cmd trigger_vevent_cmd(uint32_t dev) {
    abi::iommu_test_cmd cmd{};
    cmd.op = abi::IOMMU_TEST_OP_TRIGGER_VEVENT;
    cmd.trigger_vevent.dev_id = dev;
    return cmd;
}
int trigger_vevent(fake_fixture& f, int fd, uint32_t dev) {
    auto cmd = trigger_vevent_cmd(dev);
    return f.call(fd, cmd);
}

struct event_record {
    abi::iommufd_vevent_header header;
    abi::iommu_viommu_event_selftest data;
};

}  // namespace

FAKE_CASE("veventq: flags, __reserved or type DEFAULT -> EOPNOTSUPP; depth 0 -> EINVAL [mainline eventq.c]") {
    auto s = vevent(*this);
    auto flags = veventq_cmd(s.viommu);
    flags.flags = 1;
    rejected(s.fd, flags, EOPNOTSUPP);
    auto reserved = veventq_cmd(s.viommu);
    reserved.__reserved = 1;
    rejected(s.fd, reserved, EOPNOTSUPP);
    auto type = veventq_cmd(s.viommu, 2, abi::IOMMU_VEVENTQ_TYPE_DEFAULT);
    rejected(s.fd, type, EOPNOTSUPP);
    auto depth = veventq_cmd(s.viommu, 0);
    rejected(s.fd, depth, EINVAL);
}

FAKE_CASE("veventq: a viommu_id that is not a vIOMMU -> ENOENT; a second queue of one type -> EEXIST [mainline eventq.c]") {
    auto s = vevent(*this);
    auto missing = veventq_cmd(s.m.hwpt);
    rejected(s.fd, missing, ENOENT);
    veventq(*this, s.fd, s.viommu, 2);
    auto again = veventq_cmd(s.viommu);
    rejected(s.fd, again, EEXIST);
}

FAKE_CASE("veventq: an event without a queue of its type -> EOPNOTSUPP [mainline driver.c]") {
    auto s = vevent(*this);
    std::string before = host().snapshot();
    CHECK(trigger_vevent(*this, s.fd, s.m.dev) == -EOPNOTSUPP);
    CHECK(host().snapshot() == before);
}

FAKE_CASE("veventq: a device that is not on a nested HWPT of its vIOMMU, or has virtual id 0, raises nothing -> ENOENT [mainline selftest.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock m = mock_device(fd, io);
    uint32_t v = viommu(fd, m.dev, nest_parent(fd, m.dev, io));
    veventq(*this, fd, v, 2);
    vdevice(fd, v, m.dev, 0x99);
    auto paging = trigger_vevent_cmd(m.dev);  // still on its paging domain
    rejected(fd, paging, ENOENT);
    auto zero = vevent(*this, 0);
    veventq(*this, zero.fd, zero.viommu, 2);
    auto virt_zero = trigger_vevent_cmd(zero.m.dev);
    rejected(zero.fd, virt_zero, ENOENT);
}

FAKE_CASE("veventq: a mock device attaching to a nested HWPT of a vIOMMU without its vDEVICE there -> ENOENT [mainline selftest.c]") {
    int fd = open("/dev/iommu");
    uint32_t io = ioas(fd);
    mock m = mock_device(fd, io);
    uint32_t v = viommu(fd, m.dev, nest_parent(fd, m.dev, io));
    uint32_t nested = mock_nested(fd, m.dev, v);
    std::string before = host().snapshot();
    CHECK(mock_replace(fd, m.stdev, nested) == -ENOENT);
    CHECK(host().snapshot() == before);
}

FAKE_CASE("veventq: events read as a header and the mock's virtual id, in sequence [mainline eventq.c]") {
    auto s = vevent(*this);
    int q = veventq(*this, s.fd, s.viommu, 2);
    REQUIRE(trigger_vevent(*this, s.fd, s.m.dev) == 0);
    REQUIRE(trigger_vevent(*this, s.fd, s.m.dev) == 0);
    event_record got[2]{};
    REQUIRE(via().read(q, got, sizeof got) == sizeof got);
    CHECK(got[0].header.flags == 0);
    CHECK(got[0].header.sequence == 0);
    CHECK(got[0].data.virt_id == 0x99);
    CHECK(got[1].header.sequence == 1);
}

FAKE_CASE("veventq: past its depth the queue keeps one LOST_EVENTS header at its tail [mainline eventq.c]") {
    auto s = vevent(*this);
    int q = veventq(*this, s.fd, s.viommu, 1);
    for (int i = 0; i < 3; ++i) REQUIRE(trigger_vevent(*this, s.fd, s.m.dev) == 0);
    struct {
        event_record first;
        abi::iommufd_vevent_header lost;
    } got{};
    REQUIRE(via().read(q, &got, sizeof got) == sizeof got);
    CHECK(got.first.header.sequence == 0);
    CHECK(got.lost.flags == abi::IOMMU_VEVENTQ_FLAG_LOST_EVENTS);
    CHECK(got.lost.sequence == 2);  // the last event that was lost
    CHECK(via().read(q, &got, sizeof got) == 0);
}

FAKE_CASE("veventq: a read parsed by uapikit::vevent_records gives the event, then the lost-events record after a gap [mainline eventq.c]") {
    auto s = vevent(*this);
    int q = veventq(*this, s.fd, s.viommu, 1);
    for (int i = 0; i < 3; ++i) REQUIRE(trigger_vevent(*this, s.fd, s.m.dev) == 0);
    std::byte buf[64]{};
    long n = via().read(q, buf, sizeof buf);
    REQUIRE(n == 8 + 4 + 8);  // one header and the mock's 4-byte event, then a lost-events header
    uapikit::vevent_records<abi::iommu_viommu_event_selftest> records(std::span<const std::byte>(buf, static_cast<size_t>(n)));
    std::vector<decltype(records)::record> got(records.begin(), records.end());
    REQUIRE(got.size() == 2);
    CHECK_FALSE(got[0].lost_events);
    CHECK(got[0].event.virt_id == 0x99);
    CHECK(got[1].lost_events);
    // Events 1 and 2 were dropped: 1 is skipped, 2 is the lost-events record.
    CHECK(uapikit::vevents_missed(got[0].sequence, got[1].sequence) == 1);
    CHECK_FALSE(records.incomplete());
}

FAKE_CASE("veventq: a read too small for the next event gives nothing [mainline eventq.c]") {
    auto s = vevent(*this);
    int q = veventq(*this, s.fd, s.viommu, 2);
    REQUIRE(trigger_vevent(*this, s.fd, s.m.dev) == 0);
    event_record got{};
    CHECK(via().read(q, &got, sizeof got.header) == 0);
    CHECK(via().read(q, &got, sizeof got) == sizeof got);
}

FAKE_CASE("veventq: its fd is not written -> EINVAL [mainline eventq.c]") {
    auto s = vevent(*this);
    int q = veventq(*this, s.fd, s.viommu, 2);
    uint64_t word = 0;
    rejected_by(EINVAL, [&] { return via().write(q, &word, sizeof word); });
}
