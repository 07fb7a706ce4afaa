// What the generated typed calls (include/uapikit/generated/*_calls.hpp)
// build on: one funnel that issues a request, the parameter types for ids
// of several kinds and for caller memory, and typed-flag operators.
// Hand-written; the generated calls include it.
#pragma once

#include <uapikit/backend.hpp>
#include <uapikit/error.hpp>
#include <uapikit/ids.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

namespace uapikit {

// Issues `request` with `argument` and names the failure after `name` (the
// request macro). Returns the ioctl's non-negative value.
template <backend B>
inline result<int> issue(B& b, unsigned long request, const char* name, void* argument) noexcept {
    int rc = b.ioctl(request, argument);
    if (rc < 0) return failure{{-rc, name}};
    return rc;
}

// A field that takes an id of one of several kinds (HWPT_ALLOC's pt_id is
// an IOAS, a nesting-parent HWPT or a vIOMMU). Converts implicitly from
// exactly those id types (and from what converts to one of them, such as an
// owned handle), and from nothing else: no integer, no other kind of id.
template <typename... Ids>
class any_id {
public:
    template <typename T>
        requires(std::is_convertible_v<const T&, Ids> || ...)
    constexpr any_id(const T& id) noexcept : value_(value_of<T, Ids...>(id)) {}
    constexpr std::uint32_t value() const noexcept { return value_; }

private:
    template <typename T, typename First, typename... Rest>
    static constexpr std::uint32_t value_of(const T& id) noexcept {
        if constexpr (std::is_convertible_v<const T&, First>) return static_cast<First>(id).value();
        else return value_of<T, Rest...>(id);
    }
    std::uint32_t value_;
};

// Caller memory the kernel reads: a pointer and a length in bytes, made
// from any trivially copyable object or array (driver data, a bitmap).
class const_bytes {
public:
    constexpr const_bytes() noexcept = default;
    constexpr const_bytes(const void* data, std::uint32_t size) noexcept : data_(data), size_(size) {}
    template <typename T>
        requires std::is_trivially_copyable_v<T>
    explicit const_bytes(const T& object) noexcept : data_(&object), size_(sizeof(T)) {}
    template <typename T>
    explicit const_bytes(std::span<const T> objects) noexcept
        : data_(objects.data()), size_(static_cast<std::uint32_t>(objects.size_bytes())) {}
    std::uint64_t address() const noexcept { return reinterpret_cast<std::uintptr_t>(data_); }
    std::uint32_t size() const noexcept { return size_; }

private:
    const void* data_ = nullptr;
    std::uint32_t size_ = 0;
};

// Caller memory the kernel writes (GET_HW_INFO's buffer).
class mutable_bytes {
public:
    constexpr mutable_bytes() noexcept = default;
    constexpr mutable_bytes(void* data, std::uint32_t size) noexcept : data_(data), size_(size) {}
    template <typename T>
        requires std::is_trivially_copyable_v<T>
    explicit mutable_bytes(T& object) noexcept : data_(&object), size_(sizeof(T)) {}
    std::uint64_t address() const noexcept { return reinterpret_cast<std::uintptr_t>(data_); }
    std::uint32_t size() const noexcept { return size_; }

private:
    void* data_ = nullptr;
    std::uint32_t size_ = 0;
};

// An array of fixed-size entries of a driver's type (HWPT_INVALIDATE):
// the address, the size of one entry and how many there are.
class entries {
public:
    constexpr entries() noexcept = default;
    template <typename T>
        requires std::is_trivially_copyable_v<T>
    entries(std::span<const T> items) noexcept
        : data_(items.data()), entry_size_(sizeof(T)), count_(static_cast<std::uint32_t>(items.size())) {}
    std::uint64_t address() const noexcept { return reinterpret_cast<std::uintptr_t>(data_); }
    std::uint32_t entry_size() const noexcept { return entry_size_; }
    std::uint32_t count() const noexcept { return count_; }

private:
    const void* data_ = nullptr;
    std::uint32_t entry_size_ = 0;
    std::uint32_t count_ = 0;
};

// Bitwise operators for the generated flag enums (`enum class ... :
// uint32_t` with a `none`): set union, intersection, and a test.
template <typename E>
inline constexpr bool is_flags_v = false;

template <typename E>
    requires is_flags_v<E>
constexpr E operator|(E a, E b) noexcept {
    using U = std::underlying_type_t<E>;
    return static_cast<E>(static_cast<U>(a) | static_cast<U>(b));
}
template <typename E>
    requires is_flags_v<E>
constexpr E operator&(E a, E b) noexcept {
    using U = std::underlying_type_t<E>;
    return static_cast<E>(static_cast<U>(a) & static_cast<U>(b));
}
template <typename E>
    requires is_flags_v<E>
constexpr bool has(E set, E flag) noexcept {
    return (set & flag) == flag;
}

}  // namespace uapikit
