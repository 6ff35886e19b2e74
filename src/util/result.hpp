#pragma once

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

#include "util/error.hpp"

namespace talkline {

/// A value or an Error. The request path reports failures through this type rather
/// than exceptions, so every failure is visible in a signature.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(state_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(state_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<1>(state_);
  }
  Error&& take_error() {
    assert(!ok());
    return std::get<1>(std::move(state_));
  }

 private:
  std::variant<T, Error> state_;
};

/// Result of an operation that yields nothing but may fail.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    assert(!ok_);
    return error_;
  }
  Error&& take_error() {
    assert(!ok_);
    return std::move(error_);
  }

 private:
  Error error_;
  bool ok_ = true;
};

inline Result<void> ok_result() { return {}; }

}  // namespace talkline

/// Propagates the error of a Result-returning expression from the enclosing function.
#define TL_TRY(expr)                                              \
  do {                                                            \
    auto tl_try_result_ = (expr);                                 \
    if (!tl_try_result_.ok()) return tl_try_result_.take_error(); \
  } while (false)

/// Binds the value of a Result-returning expression or propagates its error.
#define TL_TRY_ASSIGN(lhs, expr)                                                              \
  auto TL_CONCAT_(tl_res_, __LINE__) = (expr);                                                \
  if (!TL_CONCAT_(tl_res_, __LINE__).ok()) return TL_CONCAT_(tl_res_, __LINE__).take_error(); \
  lhs = std::move(TL_CONCAT_(tl_res_, __LINE__)).value()

#define TL_CONCAT_INNER_(a, b) a##b
#define TL_CONCAT_(a, b) TL_CONCAT_INNER_(a, b)
