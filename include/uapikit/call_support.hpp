// What the generated typed calls (include/uapikit/generated/*_calls.hpp)
// build on: one funnel that issues a request, the parameter types for ids
// of several kinds and for caller memory, an owned array for outputs whose
// length the kernel decides, and typed-flag operators. Hand-written; the
// generated calls include it.
//
// It does without <span> and <vector> on purpose: together they cost more to
// compile than all of iommufd's generated calls and bindings (BENCHMARKS.md,
// "Compile cost of the typed layer"). Anything with data() and size()
// converts to the views.
#pragma once

#include <uapikit/backend.hpp>
#include <uapikit/error.hpp>
#include <uapikit/ids.hpp>

#include <cstddef>
#include <cstdint>
#include <new>
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

// Elements in caller memory: a pointer and a count. From a C array, or
// from anything with data() and size() (std::span, std::vector, std::array).
template <typename T>
class array_view {
public:
    constexpr array_view() noexcept = default;
    constexpr array_view(T* data, std::size_t size) noexcept : data_(data), size_(size) {}
    template <std::size_t N>
    constexpr array_view(T (&items)[N]) noexcept : data_(items), size_(N) {}
    template <typename C>
        requires requires(C&& c) {
            requires std::is_convertible_v<decltype(c.data()), T*>;
            c.size();
        }
    constexpr array_view(C&& items) noexcept : data_(items.data()), size_(items.size()) {}
    constexpr T* data() const noexcept { return data_; }
    constexpr std::size_t size() const noexcept { return size_; }
    constexpr T* begin() const noexcept { return data_; }
    constexpr T* end() const noexcept { return data_ + size_; }

private:
    T* data_ = nullptr;
    std::size_t size_ = 0;
};

// Caller memory the kernel reads: a pointer and a length in bytes, made
// from any trivially copyable object, or from a view of such objects
// (driver data, a bitmap).
class const_bytes {
public:
    constexpr const_bytes() noexcept = default;
    constexpr const_bytes(const void* data, std::uint32_t size) noexcept : data_(data), size_(size) {}
    template <typename T>
        requires std::is_trivially_copyable_v<T>
    explicit const_bytes(const T& object) noexcept : data_(&object), size_(sizeof(T)) {}
    template <typename T>
    explicit const_bytes(array_view<const T> objects) noexcept
        : data_(objects.data()), size_(static_cast<std::uint32_t>(objects.size() * sizeof(T))) {}
    std::uint64_t address() const noexcept { return reinterpret_cast<std::uintptr_t>(data_); }
    std::uint32_t size() const noexcept { return size_; }

private:
    const void* data_ = nullptr;
    std::uint32_t size_ = 0;
};

// Caller memory the kernel writes (GET_HW_INFO's buffer, vIOMMU driver data).
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
// the address, the size of one entry and how many there are. From a C
// array or anything with data() and size().
class entries {
public:
    constexpr entries() noexcept = default;
    template <typename T>
        requires std::is_trivially_copyable_v<T>
    entries(array_view<const T> items) noexcept
        : data_(items.data()), entry_size_(sizeof(T)), count_(static_cast<std::uint32_t>(items.size())) {}
    template <typename C>
        requires requires(const C& c) {
            c.data();
            c.size();
        }
    entries(const C& items) noexcept
        : entries(array_view<const std::remove_pointer_t<decltype(items.data())>>(items.data(), items.size())) {}
    template <typename T, std::size_t N>
    entries(const T (&items)[N]) noexcept : entries(array_view<const T>(items, N)) {}
    std::uint64_t address() const noexcept { return reinterpret_cast<std::uintptr_t>(data_); }
    std::uint32_t entry_size() const noexcept { return entry_size_; }
    std::uint32_t count() const noexcept { return count_; }

private:
    const void* data_ = nullptr;
    std::uint32_t entry_size_ = 0;
    std::uint32_t count_ = 0;
};

// An array the kernel fills and whose length it decides (IOAS_IOVA_RANGES):
// owned, movable, not copyable; grows with resize(), which reports running
// out of memory instead of throwing. For trivially copyable kernel structs.
template <typename T>
class owned_array {
    static_assert(std::is_trivially_copyable_v<T>);

public:
    owned_array() noexcept = default;
    owned_array(owned_array&& other) noexcept : data_(other.data_), size_(other.size_), capacity_(other.capacity_) {
        other.data_ = nullptr;
        other.size_ = other.capacity_ = 0;
    }
    owned_array& operator=(owned_array&& other) noexcept {
        if (this != &other) {
            delete[] data_;
            data_ = other.data_;
            size_ = other.size_;
            capacity_ = other.capacity_;
            other.data_ = nullptr;
            other.size_ = other.capacity_ = 0;
        }
        return *this;
    }
    owned_array(const owned_array&) = delete;
    owned_array& operator=(const owned_array&) = delete;
    ~owned_array() { delete[] data_; }

    // false when memory ran out (the array is then unchanged).
    bool resize(std::size_t size) noexcept {
        if (size > capacity_) {
            T* grown = new (std::nothrow) T[size]();
            if (!grown) return false;
            for (std::size_t i = 0; i < size_; ++i) grown[i] = data_[i];
            delete[] data_;
            data_ = grown;
            capacity_ = size;
        }
        size_ = size;
        return true;
    }
    T* data() noexcept { return data_; }
    const T* data() const noexcept { return data_; }
    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    T& operator[](std::size_t i) noexcept { return data_[i]; }
    const T& operator[](std::size_t i) const noexcept { return data_[i]; }
    T* begin() noexcept { return data_; }
    T* end() noexcept { return data_ + size_; }
    const T* begin() const noexcept { return data_; }
    const T* end() const noexcept { return data_ + size_; }

private:
    T* data_ = nullptr;
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;
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
