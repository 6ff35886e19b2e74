#include "transport/http/cors_policy.hpp"

#include <algorithm>

#include "transport/http/problem.hpp"

namespace talkline::transport::http {

CorsPolicy::CorsPolicy(std::vector<std::string> origins) : origins_(std::move(origins)) {
  any_ = std::find(origins_.begin(), origins_.end(), "*") != origins_.end();
}

bool CorsPolicy::allows(std::string_view origin) const {
  if (origin.empty()) return false;
  return any_ || std::find(origins_.begin(), origins_.end(), origin) != origins_.end();
}

bool CorsPolicy::is_preflight(const Request& request) {
  return request.method == "OPTIONS" && request.headers.has("Origin") &&
         request.headers.has("Access-Control-Request-Method");
}

Response CorsPolicy::preflight(const Request& request) const {
  auto origin = request.headers.get("Origin").value_or("");
  if (!allows(origin)) {
    return problem_response(403, "forbidden", status_title(403), "origin is not allowed");
  }
  auto response = Response::empty(204);
  response.headers.set("Access-Control-Allow-Methods", "GET, POST, PATCH, PUT, DELETE, OPTIONS");
  response.headers.set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Request-Id");
  response.headers.set("Access-Control-Max-Age", "600");
  return response;
}

void CorsPolicy::decorate(const Request& request, Response& response) const {
  auto origin = request.headers.get("Origin");
  if (!origin || !allows(*origin)) return;
  response.headers.set("Access-Control-Allow-Origin", std::string(*origin));
  response.headers.add("Vary", "Origin");
  response.headers.set("Access-Control-Expose-Headers", "X-Request-Id, Retry-After");
}

}  // namespace talkline::transport::http
