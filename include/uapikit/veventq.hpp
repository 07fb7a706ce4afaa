// The records in what read(2) of a vEVENTQ fd returned (the fd
// IOMMU_VEVENTQ_ALLOC gives in out_veventq_fd). Each record is a struct
// iommufd_vevent_header, then the event of the queue's type (for
// IOMMU_VEVENTQ_TYPE_ARM_SMMUV3 a struct iommu_vevent_arm_smmuv3, 32
// bytes), or the header alone when its flags have
// IOMMU_VEVENTQ_FLAG_LOST_EVENTS: the queue was full and events were
// dropped. Every record, lost-events headers too, takes the next sequence
// number, counted modulo 2^31. Source: Documentation/userspace-api/iommufd.rst
// and include/uapi/linux/iommufd.h (mainline, since 6.15), and
// drivers/iommu/iommufd/eventq.c.
//
//   std::array<std::byte, 4096> buf;
//   ssize_t n = read(veventq_fd, buf.data(), buf.size());
//   if (n < 0) return -errno;
//   for (const auto& r : uapikit::vevent_records<arm_smmuv3::event>(std::span(buf).first(std::size_t(n))))
//       if (!r.lost_events) forward_to_guest(r.event);
#pragma once

#include <uapikit/generated/proposed.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <span>
#include <type_traits>

namespace uapikit {

// How many sequence numbers were skipped between two records read one after
// the other, `previous` and `next` (0 when `next` follows `previous`),
// counting across the wrap from 2^31 - 1 to 0. Each is an event the queue
// dropped; a lost-events record stands for one more, its own: the events
// lost up to and with `next` are vevents_missed() + (next is lost_events).
// With a queue of depth 1 and three events raised, a read gives the event
// of sequence 0 and a lost-events record of sequence 2: 1 missed, 2 lost.
constexpr std::uint32_t vevents_missed(std::uint32_t previous, std::uint32_t next) noexcept {
    return (next - previous - 1) & 0x7fffffffu;
}

// The records in a buffer a read of a vEVENTQ fd filled, as a range. The
// kernel returns whole records only; bytes at the end too few for one are
// skipped, and incomplete() says there were some. Event is the trivially
// copyable event struct of the queue's type.
template <typename Event>
class vevent_records {
    static_assert(std::is_trivially_copyable_v<Event>, "an event is copied out of the buffer byte for byte");
    using header = raw::proposed::iommufd_vevent_header;

public:
    // One record.
    struct record {
        std::uint32_t sequence = 0;  // iommufd_vevent_header.sequence
        bool lost_events = false;    // IOMMU_VEVENTQ_FLAG_LOST_EVENTS: no event follows
        Event event{};               // zero for a lost-events record
    };

    class iterator {
    public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = record;
        using difference_type = std::ptrdiff_t;
        using pointer = const record*;
        using reference = const record&;

        iterator() = default;
        const record& operator*() const noexcept { return current_; }
        const record* operator->() const noexcept { return &current_; }
        iterator& operator++() noexcept {
            rest_ = rest_.subspan(length());
            load();
            return *this;
        }
        iterator operator++(int) noexcept {
            iterator old = *this;
            ++*this;
            return old;
        }
        friend bool operator==(const iterator& a, const iterator& b) noexcept { return a.rest_.size() == b.rest_.size(); }

    private:
        friend class vevent_records;
        explicit iterator(std::span<const std::byte> rest) noexcept : rest_(rest) { load(); }

        std::size_t length() const noexcept { return sizeof(header) + (current_.lost_events ? 0 : sizeof(Event)); }
        // Reads the record at the front; a tail too short for one ends the range.
        void load() noexcept {
            if (rest_.size() < sizeof(header)) {
                rest_ = {};
                return;
            }
            header h;
            std::memcpy(&h, rest_.data(), sizeof h);
            current_ = {};
            current_.sequence = h.sequence;
            current_.lost_events = (h.flags & raw::proposed::IOMMU_VEVENTQ_FLAG_LOST_EVENTS) != 0;
            if (current_.lost_events) return;
            if (rest_.size() < sizeof(header) + sizeof(Event)) {
                rest_ = {};
                return;
            }
            std::memcpy(&current_.event, rest_.data() + sizeof(header), sizeof(Event));
        }

        std::span<const std::byte> rest_;
        record current_;
    };

    explicit vevent_records(std::span<const std::byte> bytes) noexcept : bytes_(bytes) {}

    iterator begin() const noexcept { return iterator(bytes_); }
    iterator end() const noexcept { return iterator(); }

    // Whether the buffer ends in bytes that make no whole record (a read
    // the kernel would not return: the buffer was cut).
    bool incomplete() const noexcept {
        std::size_t whole = 0;
        for (auto it = begin(); it != end(); ++it) whole += it.length();
        return whole != bytes_.size();
    }

private:
    std::span<const std::byte> bytes_;
};

}  // namespace uapikit
