#include "transport/http/problem.hpp"

#include "util/json.hpp"

namespace talkline::transport::http {

Response problem_response(int status, std::string_view code, std::string_view title, std::string_view detail,
                          const std::vector<std::pair<std::string, std::string>>& field_errors) {
  util::Json body = {
      {"type", "https://talkline.dev/problems/" + std::string(code)},
      {"title", std::string(title)},
      {"status", status},
      {"code", std::string(code)},
      {"detail", std::string(detail)},
  };
  if (!field_errors.empty()) {
    auto errors = util::Json::array();
    for (const auto& [field, message] : field_errors) errors.push_back({{"field", field}, {"message", message}});
    body["errors"] = std::move(errors);
  }

  Response response;
  response.status = status;
  response.headers.set("Content-Type", "application/problem+json");
  // Details may echo client input (a path, a header); replacing bad UTF-8 keeps dump() from throwing.
  response.body = body.dump(-1, ' ', false, util::Json::error_handler_t::replace);
  return response;
}

std::string_view status_title(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

}  // namespace talkline::transport::http
