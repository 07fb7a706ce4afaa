// The one error type of the typed layer, and result<T>, which holds either
// a T or an error. No exceptions on ioctl paths, and no C++23: result is a
// small C++20 class with the parts of std::expected the layer needs. It
// avoids <memory> and other heavy headers: every VMM TU includes it.
#pragma once

#include <new>
#include <type_traits>

namespace uapikit {

// What failed and why: the errno value and the name of the operation (the
// ioctl's request macro, e.g. "IOMMU_VIOMMU_ALLOC", or "open").
class error {
public:
    constexpr error(int code, const char* operation) noexcept : code_(code), operation_(operation) {}
    constexpr int code() const noexcept { return code_; }
    constexpr const char* operation() const noexcept { return operation_; }
    friend constexpr bool operator==(const error&, const error&) = default;

private:
    int code_;
    const char* operation_;
};

// The error side of a result, convertible to any result<T>.
struct failure {
    error why;
};

// A value or an error. For a trivially copyable T it stays trivially
// copyable, and a result of an id is two words that travel in registers.
template <typename T>
class [[nodiscard]] result {
public:
    result(T value) noexcept(std::is_nothrow_move_constructible_v<T>) { ::new (static_cast<void*>(&value_)) T(static_cast<T&&>(value)); }
    constexpr result(failure f) noexcept : code_(f.why.code()), operation_(f.why.operation()) {}

    constexpr result(const result&) requires std::is_trivially_copy_constructible_v<T> = default;
    result(const result& other) noexcept(std::is_nothrow_copy_constructible_v<T>)
        : code_(other.code_), operation_(other.operation_) {
        if (other.has_value()) ::new (static_cast<void*>(&value_)) T(other.value_);
    }
    constexpr result(result&&) requires std::is_trivially_move_constructible_v<T> = default;
    result(result&& other) noexcept(std::is_nothrow_move_constructible_v<T>)
        : code_(other.code_), operation_(other.operation_) {
        if (other.has_value()) ::new (static_cast<void*>(&value_)) T(static_cast<T&&>(other.value_));
    }
    // Assignment replaces what is held: the old value is destroyed, the new
    // one (or the error) copied or moved in.
    constexpr result& operator=(const result&) requires std::is_trivially_copyable_v<T> = default;
    result& operator=(const result& other) noexcept(std::is_nothrow_copy_constructible_v<T>) {
        if (this != &other) {
            reset();
            if (other.has_value()) ::new (static_cast<void*>(&value_)) T(other.value_);
            code_ = other.code_;
            operation_ = other.operation_;
        }
        return *this;
    }
    constexpr result& operator=(result&&) requires std::is_trivially_copyable_v<T> = default;
    result& operator=(result&& other) noexcept(std::is_nothrow_move_constructible_v<T>) {
        if (this != &other) {
            reset();
            if (other.has_value()) ::new (static_cast<void*>(&value_)) T(static_cast<T&&>(other.value_));
            code_ = other.code_;
            operation_ = other.operation_;
        }
        return *this;
    }
    constexpr ~result() requires std::is_trivially_destructible_v<T> = default;
    ~result() {
        if (has_value()) value_.~T();
    }

    constexpr bool has_value() const noexcept { return code_ == 0; }
    constexpr explicit operator bool() const noexcept { return has_value(); }

    // Precondition: has_value().
    constexpr T& value() & noexcept { return value_; }
    constexpr const T& value() const& noexcept { return value_; }
    constexpr T&& value() && noexcept { return static_cast<T&&>(value_); }
    constexpr T* operator->() noexcept { return &value_; }
    constexpr const T* operator->() const noexcept { return &value_; }
    constexpr T& operator*() & noexcept { return value_; }
    constexpr const T& operator*() const& noexcept { return value_; }

    // Precondition: !has_value().
    constexpr uapikit::error error() const noexcept { return {code_, operation_}; }

private:
    // Destroys the value held, if any. The result then holds an error (code
    // -1, no operation) until the assignment stores what it copies: if T's
    // constructor throws, nothing is destroyed twice.
    void reset() noexcept {
        if constexpr (!std::is_trivially_destructible_v<T>)
            if (has_value()) value_.~T();
        code_ = -1;
        operation_ = nullptr;
    }

    union {
        T value_;
    };
    int code_ = 0;
    const char* operation_ = nullptr;
};

template <>
class [[nodiscard]] result<void> {
public:
    constexpr result() noexcept = default;
    constexpr result(failure f) noexcept : code_(f.why.code()), operation_(f.why.operation()) {}
    constexpr bool has_value() const noexcept { return code_ == 0; }
    constexpr explicit operator bool() const noexcept { return has_value(); }
    constexpr uapikit::error error() const noexcept { return {code_, operation_}; }

private:
    int code_ = 0;
    const char* operation_ = nullptr;
};

}  // namespace uapikit
