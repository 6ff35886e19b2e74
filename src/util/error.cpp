#include "util/error.hpp"

#include <utility>

namespace talkline {

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_argument: return "invalid_argument";
    case ErrorCode::unauthenticated: return "unauthenticated";
    case ErrorCode::forbidden: return "forbidden";
    case ErrorCode::not_found: return "not_found";
    case ErrorCode::conflict: return "conflict";
    case ErrorCode::payload_too_large: return "payload_too_large";
    case ErrorCode::unsupported_media: return "unsupported_media_type";
    case ErrorCode::rate_limited: return "rate_limited";
    case ErrorCode::unavailable: return "unavailable";
    case ErrorCode::internal: return "internal";
  }
  return "internal";
}

Error Error::invalid(std::string field, std::string message) {
  Error e{ErrorCode::invalid_argument, "request validation failed", {}, 0};
  e.fields.push_back({std::move(field), std::move(message)});
  return e;
}
Error Error::not_found(std::string what) { return {ErrorCode::not_found, std::move(what), {}, 0}; }
Error Error::conflict(std::string message) { return {ErrorCode::conflict, std::move(message), {}, 0}; }
Error Error::forbidden(std::string message) { return {ErrorCode::forbidden, std::move(message), {}, 0}; }
Error Error::unauthenticated(std::string message) { return {ErrorCode::unauthenticated, std::move(message), {}, 0}; }
Error Error::unavailable(std::string message) { return {ErrorCode::unavailable, std::move(message), {}, 0}; }
Error Error::internal(std::string message) { return {ErrorCode::internal, std::move(message), {}, 0}; }
Error Error::rate_limited(std::string message, int retry_after_seconds) {
  return {ErrorCode::rate_limited, std::move(message), {}, retry_after_seconds};
}

}  // namespace talkline
