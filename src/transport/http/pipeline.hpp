#pragma once

#include <memory>
#include <optional>

#include "ratelimit/rate_limiter.hpp"
#include "transport/http/cors_policy.hpp"
#include "transport/http/message.hpp"
#include "transport/http/router.hpp"
#include "transport/http/server_options.hpp"

namespace talkline::transport::http {

/// Everything the server decides about a parsed request, free of Beast so it can be
/// read and tested on its own. The session owns the bytes; the pipeline owns policy.
class Pipeline {
 public:
  Pipeline(const ServerOptions& options, Router router);

  /// The per-IP rate limit, then CORS preflight. Returns the answer when one of them
  /// settles the request (429, 204, 403), nullopt to go on. May block on a shared
  /// limiter: call it on the worker pool.
  std::optional<Response> screen(Request& request) const;
  /// Whether screen() may block (a rate limiter is configured).
  bool screening_blocks() const { return rate_limiter_ != nullptr; }

  /// screen(), routing (404, 405 + Allow), the JSON media-type check (415) and the
  /// handler. A handler that throws becomes a 500 `internal` problem and an error log
  /// line. Never throws. Blocking: call it on the worker pool.
  Response handle(Request& request) const;

  /// The streamed route for the request's method and decoded path, with
  /// `request.path_params` filled; null when the request is for a plain route (or
  /// none). Cheap, never blocks: the event loop calls it right after the header.
  const StreamedRoute* streamed_route(Request& request) const;
  /// Whether the router has any streamed route.
  bool has_streamed_routes() const { return router_.has_streamed(); }

  /// Adds the headers every response carries: Server, X-Request-Id, security headers,
  /// HSTS when behind TLS, and CORS for an allowed Origin. Cheap; any thread.
  void decorate(const Request& request, Response& response) const;

 private:
  std::optional<Response> check_rate_limit(const Request& request) const;
  Response invoke(const Handler& handler, Request& request) const;

  Router router_;
  CorsPolicy cors_;
  std::shared_ptr<ratelimit::RateLimiter> rate_limiter_;
  ratelimit::Limit per_ip_limit_;
  std::string hsts_value_;  // empty when not behind TLS
};

}  // namespace talkline::transport::http
