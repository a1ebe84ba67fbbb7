// Result's two halves, owned by the project: std::expected and
// std::unexpected where the standard library has them (g++ 12 with
// -std=c++23), and otherwise a small stand-in with the part of their
// interface this project uses (Debian's clang 14, which builds the fuzz
// targets, cannot use libstdc++ 12's <expected>). Every build, the library's
// and the fuzzers', spells errors the same way: Result<T> and unexpected(E).
#pragma once

#include <version>

#if defined(__cpp_lib_expected)
#include <expected>

namespace e4inline {
using std::expected;
using std::unexpected;
}  // namespace e4inline

#else
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

namespace e4inline {

template <class E>
class unexpected {
public:
    template <class G = E>
    constexpr explicit unexpected(G&& e) : error_(std::forward<G>(e)) {}
    constexpr const E& error() const& noexcept { return error_; }
    constexpr E& error() & noexcept { return error_; }
    constexpr E&& error() && noexcept { return std::move(error_); }

private:
    E error_;
};
template <class E>
unexpected(E) -> unexpected<E>;

template <class T, class E>
class expected {
public:
    using value_type = T;
    using error_type = E;
    constexpr expected() requires std::is_default_constructible_v<T> : value_(std::in_place) {}
    template <class U = T>
        requires(!std::is_same_v<std::remove_cvref_t<U>, expected> &&
                 !std::is_same_v<std::remove_cvref_t<U>, unexpected<E>> && std::is_constructible_v<T, U>)
    constexpr expected(U&& v) : value_(std::in_place, std::forward<U>(v)) {}
    template <class G>
    constexpr expected(const unexpected<G>& u) : error_(std::in_place, u.error()) {}
    template <class G>
    constexpr expected(unexpected<G>&& u) : error_(std::in_place, std::move(u).error()) {}

    constexpr bool has_value() const noexcept { return value_.has_value(); }
    constexpr explicit operator bool() const noexcept { return has_value(); }
    constexpr T& operator*() & { return *value_; }
    constexpr const T& operator*() const& { return *value_; }
    constexpr T&& operator*() && { return std::move(*value_); }
    constexpr T* operator->() { return &*value_; }
    constexpr const T* operator->() const { return &*value_; }
    constexpr T& value() & { return check(), *value_; }
    constexpr const T& value() const& { return check(), *value_; }
    constexpr T&& value() && { return check(), std::move(*value_); }
    constexpr E& error() & { return *error_; }
    constexpr const E& error() const& { return *error_; }
    constexpr E&& error() && { return std::move(*error_); }
    template <class U>
    constexpr T value_or(U&& other) const& { return has_value() ? *value_ : static_cast<T>(std::forward<U>(other)); }

private:
    void check() const {
        if (!has_value())
            std::terminate();
    }
    std::optional<T> value_;
    std::optional<E> error_;
};

template <class E>
class expected<void, E> {
public:
    using value_type = void;
    using error_type = E;
    constexpr expected() noexcept = default;
    template <class G>
    constexpr expected(const unexpected<G>& u) : error_(std::in_place, u.error()) {}
    template <class G>
    constexpr expected(unexpected<G>&& u) : error_(std::in_place, std::move(u).error()) {}
    constexpr bool has_value() const noexcept { return !error_.has_value(); }
    constexpr explicit operator bool() const noexcept { return has_value(); }
    constexpr void operator*() const noexcept {}
    constexpr void value() const {
        if (!has_value())
            std::terminate();
    }
    constexpr E& error() & { return *error_; }
    constexpr const E& error() const& { return *error_; }
    constexpr E&& error() && { return std::move(*error_); }

private:
    std::optional<E> error_;
};

}  // namespace e4inline
#endif
