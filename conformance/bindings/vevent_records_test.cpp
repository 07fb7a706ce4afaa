// include/uapikit/veventq.hpp over buffers laid out by hand as mainline's
// include/uapi/linux/iommufd.h describes a vEVENTQ read: struct
// iommufd_vevent_header {__u32 flags; __u32 sequence;}, then the event, or
// the header alone with IOMMU_VEVENTQ_FLAG_LOST_EVENTS (bit 0); sequence
// numbers run modulo 2^31 (drivers/iommu/iommufd/eventq.c). What the fake's
// read returns goes through the same parser in conformance/fake/eventq_test.cpp.
#include <uapikit/arm_smmuv3.hpp>
#include <uapikit/veventq.hpp>

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

namespace {

// Appends a header and `event_bytes` of an event whose first word is `word0`.
void put(std::vector<std::byte>& buf, std::uint32_t flags, std::uint32_t sequence, std::size_t event_bytes = 0,
         std::uint64_t word0 = 0) {
    std::size_t at = buf.size();
    buf.resize(at + 8 + event_bytes);
    std::memcpy(&buf[at], &flags, 4);
    std::memcpy(&buf[at + 4], &sequence, 4);
    if (event_bytes >= 8) std::memcpy(&buf[at + 8], &word0, 8);
}

using records = uapikit::vevent_records<uapikit::arm_smmuv3::event>;

}  // namespace

TEST_CASE("vevent_records: 40-byte SMMUv3 records and an 8-byte lost-events header, in order") {
    std::vector<std::byte> buf;
    put(buf, 0, 7, 32, 0x0000000800000010ull);
    put(buf, 0, 8, 32, 0x0000000900000011ull);
    put(buf, 1, 10);
    REQUIRE(buf.size() == 88);
    std::vector<records::record> got(records(buf).begin(), records(buf).end());
    REQUIRE(got.size() == 3);
    CHECK(got[0].sequence == 7);
    CHECK_FALSE(got[0].lost_events);
    CHECK(uapikit::arm_smmuv3::stream_id_of(got[0].event) == 8);
    CHECK(uapikit::arm_smmuv3::event_id_of(got[1].event) == 0x11);
    CHECK(got[2].lost_events);
    CHECK(got[2].sequence == 10);
    CHECK(got[2].event.evt[0] == 0);
    CHECK_FALSE(records(buf).incomplete());
}

TEST_CASE("vevent_records: an empty read has no records; a cut record is left out and reported") {
    CHECK(records(std::span<const std::byte>{}).begin() == records(std::span<const std::byte>{}).end());
    std::vector<std::byte> buf;
    put(buf, 0, 1, 32);
    buf.resize(buf.size() + 20);  // half of a second record
    int n = 0;
    for (const auto& r : records(buf)) n += r.sequence == 1;
    CHECK(n == 1);
    CHECK(records(buf).incomplete());
    std::vector<std::byte> header_only;
    put(header_only, 0, 3);  // a header that promises an event and has none
    CHECK(records(header_only).begin() == records(header_only).end());
    CHECK(records(header_only).incomplete());
}

TEST_CASE("vevents_missed: sequence numbers skipped between two records, across the wrap at 2^31") {
    CHECK(uapikit::vevents_missed(7, 8) == 0);
    CHECK(uapikit::vevents_missed(8, 10) == 1);
    CHECK(uapikit::vevents_missed(0x7fffffff, 0) == 0);
    CHECK(uapikit::vevents_missed(0x7ffffffe, 1) == 2);
}
