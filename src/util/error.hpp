#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace talkline {

/// Every failure a domain service or store can report. Mapped exactly once to an
/// HTTP status (api/v1/problem.cpp) and to a socket ack error code.
enum class ErrorCode {
  invalid_argument,   // input failed validation; `fields` says which
  unauthenticated,    // no, bad or expired credentials
  forbidden,          // authenticated but not allowed
  not_found,          // absent, or invisible to the caller (non-members see this)
  conflict,           // uniqueness or state conflict
  payload_too_large,  // body over a configured limit
  unsupported_media,  // body is not JSON
  rate_limited,       // a limit was hit; retry later
  unavailable,        // the store or another dependency cannot serve now
  internal,           // a bug; never caused by input alone
};

/// Stable machine name of a code, as it appears in problem+json `code` and socket acks.
std::string_view error_code_name(ErrorCode code);

struct FieldError {
  std::string field;
  std::string message;
};

struct Error {
  ErrorCode code = ErrorCode::internal;
  std::string message;
  std::vector<FieldError> fields;
  /// Seconds a client should wait before retrying; only meaningful for rate_limited.
  int retry_after_seconds = 0;

  static Error invalid(std::string field, std::string message);
  static Error not_found(std::string what);
  static Error conflict(std::string message);
  static Error forbidden(std::string message);
  static Error unauthenticated(std::string message);
  static Error unavailable(std::string message);
  static Error internal(std::string message);
  static Error rate_limited(std::string message, int retry_after_seconds);
};

}  // namespace talkline
