#include "transport/http/pipeline.hpp"

#include <exception>
#include <string>

#include "transport/http/media_type.hpp"
#include "transport/http/problem.hpp"
#include "util/log.hpp"
#include "util/metrics/node_metrics.hpp"

namespace talkline::transport::http {

namespace {

bool carries_json_body(const Request& request) {
  return request.method == "POST" || request.method == "PUT" || request.method == "PATCH";
}

std::string join_methods(const std::vector<std::string>& methods) {
  std::string joined;
  for (const auto& method : methods) {
    if (!joined.empty()) joined += ", ";
    joined += method;
  }
  return joined;
}

}  // namespace

Pipeline::Pipeline(const ServerOptions& options, Router router)
    : router_(std::move(router)),
      cors_(options.cors_origins),
      rate_limiter_(options.rate_limiter),
      per_ip_limit_(options.per_ip_limit) {
  if (options.behind_tls) {
    hsts_value_ = "max-age=" + std::to_string(options.hsts_max_age_seconds) + "; includeSubDomains";
  }
}

std::optional<Response> Pipeline::screen(Request& request) const {
  if (auto limited = check_rate_limit(request)) return limited;
  if (CorsPolicy::is_preflight(request)) return cors_.preflight(request);
  return std::nullopt;
}

Response Pipeline::handle(Request& request) const {
  if (auto early = screen(request)) return std::move(*early);

  auto match = router_.match(request);
  switch (match.outcome) {
    case Router::Outcome::not_found:
      return problem_response(404, "not_found", status_title(404), "no route for " + request.path);
    case Router::Outcome::method_not_allowed: {
      auto response = problem_response(405, "method_not_allowed", status_title(405),
                                       request.method + " is not allowed on " + request.path);
      response.headers.set("Allow", join_methods(match.allowed));
      return response;
    }
    case Router::Outcome::matched: break;
  }
  if (match.handler == nullptr) {
    // A streamed route's requests never come here: the session takes them after the header.
    util::log::error("http.streamed_route_in_pipeline", {{"path", request.path}, {"request_id", request.request_id}});
    return problem_response(500, "internal", status_title(500), "the server failed to handle the request");
  }

  // Checked after routing so that a wrong path is reported as such, whatever the body.
  if (carries_json_body(request) && !request.body.empty() &&
      !is_json_media_type(request.headers.get("Content-Type").value_or(""))) {
    return problem_response(415, "unsupported_media_type", status_title(415),
                            "request bodies must be application/json");
  }
  return invoke(*match.handler, request);
}

// The per-address request limit. It runs for every request, also on the path of
// long-polls, so app wiring gives it this node's in-process limiter, never the Redis
// one: the limit holds per node (a client spread over N nodes gets N times it), and a
// cluster-wide one belongs in the balancer. The address is the client's as resolved
// through TALKLINE_TRUSTED_PROXIES. A limiter that fails lets the request through: an
// outage of the limiter should not become an outage of the API.
std::optional<Response> Pipeline::check_rate_limit(const Request& request) const {
  if (!rate_limiter_) return std::nullopt;
  ratelimit::Decision decision;
  try {
    decision = rate_limiter_->acquire("http:ip:" + request.remote_address, per_ip_limit_);
  } catch (const std::exception& e) {
    util::log::warn("http.rate_limiter_failed", {{"error", e.what()}, {"request_id", request.request_id}});
    return std::nullopt;
  }
  if (decision.allowed) return std::nullopt;
  util::metrics::node_metrics().refuse(util::metrics::Limit::http_per_ip);

  int retry_after = decision.retry_after_seconds < 1 ? 1 : decision.retry_after_seconds;
  auto response = problem_response(429, "rate_limited", status_title(429), "too many requests from this address");
  response.headers.set("Retry-After", std::to_string(retry_after));
  return response;
}

Response Pipeline::invoke(const Handler& handler, Request& request) const {
  std::string failure;
  try {
    return handler(request);
  } catch (const std::exception& e) {
    failure = e.what();
  } catch (...) {
    failure = "non-standard exception";
  }
  util::log::error(
      "http.handler_exception",
      {{"error", failure}, {"method", request.method}, {"path", request.path}, {"request_id", request.request_id}});
  return problem_response(500, "internal", status_title(500), "the server failed to handle the request");
}

const StreamedRoute* Pipeline::streamed_route(Request& request) const {
  if (!router_.has_streamed()) return nullptr;
  auto match = router_.match(request);
  return match.outcome == Router::Outcome::matched ? match.streamed : nullptr;
}

void Pipeline::decorate(const Request& request, Response& response) const {
  response.headers.set("Server", "talkline");
  response.headers.set("X-Request-Id", request.request_id);
  response.headers.set("X-Content-Type-Options", "nosniff");
  response.headers.set("X-Frame-Options", "DENY");
  response.headers.set("Referrer-Policy", "no-referrer");
  if (!hsts_value_.empty()) response.headers.set("Strict-Transport-Security", hsts_value_);
  cors_.decorate(request, response);
}

}  // namespace talkline::transport::http
