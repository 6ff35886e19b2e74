#include "api/v1/problem.hpp"

#include "transport/http/problem.hpp"

namespace talkline::api::v1 {
namespace {

std::string_view title_of(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_argument: return "Invalid request";
    case ErrorCode::unauthenticated: return "Authentication required";
    case ErrorCode::forbidden: return "Forbidden";
    case ErrorCode::not_found: return "Not found";
    case ErrorCode::conflict: return "Conflict";
    case ErrorCode::payload_too_large: return "Payload too large";
    case ErrorCode::unsupported_media: return "Unsupported media type";
    case ErrorCode::rate_limited: return "Too many requests";
    case ErrorCode::unavailable: return "Service unavailable";
    case ErrorCode::internal: return "Internal error";
  }
  return "Internal error";
}

}  // namespace

int http_status_of(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_argument: return 400;
    case ErrorCode::unauthenticated: return 401;
    case ErrorCode::forbidden: return 403;
    case ErrorCode::not_found: return 404;
    case ErrorCode::conflict: return 409;
    case ErrorCode::payload_too_large: return 413;
    case ErrorCode::unsupported_media: return 415;
    case ErrorCode::rate_limited: return 429;
    case ErrorCode::unavailable: return 503;
    case ErrorCode::internal: return 500;
  }
  return 500;
}

transport::http::Response error_response(const Error& error) {
  std::vector<std::pair<std::string, std::string>> fields;
  fields.reserve(error.fields.size());
  for (const auto& field : error.fields) fields.emplace_back(field.field, field.message);
  // Internal details stay in the log, not in the answer.
  const std::string detail = error.code == ErrorCode::internal ? "an unexpected error occurred" : error.message;
  auto response = transport::http::problem_response(http_status_of(error.code), error_code_name(error.code),
                                                    title_of(error.code), detail, fields);
  if (error.code == ErrorCode::rate_limited) {
    response.headers.set("Retry-After", std::to_string(std::max(1, error.retry_after_seconds)));
  }
  if (error.code == ErrorCode::unauthenticated) {
    response.headers.set("WWW-Authenticate", "Bearer realm=\"talkline\"");
  }
  return response;
}

}  // namespace talkline::api::v1
