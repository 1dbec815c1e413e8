/**
 * @file error.hpp
 * @brief One error type for the whole kit: which syscall failed, on which path, and why.
 *
 * When a container fails to start, the learner sees one line that can be acted on:
 *
 *     create `web`: mount `proc` on `/run/.../rootfs/proc`: Permission denied
 *
 * That line is built in layers. The syscall wrapper in `minirun/sys/` names the
 * syscall, the path and `errno` (saved at once, before any cleanup can overwrite it);
 * each layer above adds a few words of context with Error::context(). This is the
 * habit of crun (``open `%s` ``) and Mesos (`ErrnoError`), and of leveldb's `Status`.
 *
 * Result<T> is either a value or an Error. It is deliberately small (C++23's
 * `std::expected` does the same job; g++ 12 does not ship it in C++20 mode).
 * Functions that can fail return a Result; nothing in the kit throws across a layer,
 * and nothing calls `exit()` below the command-line programs.
 *
 * Man pages: errno(3), strerror(3).
 */
#pragma once

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace minirun::sys {

/// An error: a human message plus, when a syscall failed, the errno it set.
class Error {
 public:
  /// An error that is not a failed syscall (bad input, a broken invariant).
  explicit Error(std::string message, int errno_value = 0)
      : message_(std::move(message)), errno_(errno_value) {}

  /// A failed syscall: `syscall` `path`, with errno (default: the current errno).
  /// Call it first thing after the failure so errno is still the syscall's.
  static Error from_errno(std::string_view syscall, std::string_view path = {},
                          int errno_value = errno) {
    std::string m(syscall);
    if (!path.empty()) {
      m += " `";
      m += path;
      m += "`";
    }
    return Error(std::move(m), errno_value);
  }

  /// Adds what the caller was doing in front: "create `x`: mount ...".
  Error& context(std::string_view what) & {
    message_.insert(0, std::string(what) + ": ");
    return *this;
  }
  Error&& context(std::string_view what) && { return std::move(context(what)); }

  /// The errno of the failed syscall, or 0 when none failed.
  int code() const { return errno_; }
  /// The message without the errno text.
  const std::string& message() const { return message_; }
  /// The full line a learner sees: message, and strerror(errno) when there is one.
  std::string what() const {
    if (errno_ == 0) return message_;
    return message_ + ": " + std::strerror(errno_);
  }

 private:
  std::string message_;
  int errno_ = 0;
};

/// A value of type T, or the Error that prevented it.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}          // NOLINT: implicit on purpose
  Result(Error error) : v_(std::move(error)) {}      // NOLINT: implicit on purpose

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  Error& error() & { return std::get<1>(v_); }
  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

/// Success carries no value; failure carries an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit on purpose

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  Error& error() & { return error_; }
  const Error& error() const& { return error_; }
  Error&& error() && { return std::move(error_); }

 private:
  Error error_{""};
  bool ok_ = true;
};

/// Shorthand for the success value of Result<void>.
inline Result<void> ok() { return {}; }

}  // namespace minirun::sys

/// Propagates a failed Result to the caller, adding context; the macro is the one
/// shorthand the kit allows itself, because the alternative is four lines per call.
/// Usage: `MINIRUN_TRY(mount_proc(root), "mount /proc");`
#define MINIRUN_TRY(expr, ctx)                                   \
  do {                                                           \
    auto minirun_try_result_ = (expr);                           \
    if (!minirun_try_result_) {                                  \
      return std::move(minirun_try_result_.error()).context(ctx); \
    }                                                            \
  } while (0)
