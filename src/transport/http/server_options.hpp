#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ratelimit/rate_limiter.hpp"
#include "transport/http/trusted_proxies.hpp"

namespace talkline::transport::http {

struct ServerOptions {
  std::string host = "0.0.0.0";
  std::uint16_t port = 8080;  // 0 picks an ephemeral port; listen() reports it
  int io_threads = 0;         // 0 = std::thread::hardware_concurrency()
  int worker_threads = 16;    // blocking pool that runs route handlers and the rate limiter
  std::size_t max_body_bytes = std::size_t{1} << 20;
  /// The whole request header must arrive within this, counted from the connection's
  /// start, or for later requests on a keep-alive connection from their first byte.
  std::chrono::seconds header_timeout{10};
  /// How long a keep-alive connection may sit between requests.
  std::chrono::seconds idle_timeout{60};
  /// Reading the body, and writing the response, must each finish within this.
  std::chrono::seconds request_timeout{30};
  /// Longest wait for in-flight requests after a shutdown begins.
  std::chrono::seconds shutdown_grace{10};
  std::vector<std::string> cors_origins = {"*"};  // exact origins, or "*" for any
  bool behind_tls = false;                        // adds Strict-Transport-Security
  int hsts_max_age_seconds = 31536000;
  /// Connections past this are accepted and closed at once.
  int max_connections = 10000;
  /// How often each event loop measures its own lag (a timer's lateness) for /metrics;
  /// zero turns the probe off.
  std::chrono::milliseconds loop_lag_probe{500};
  /// Per-IP token buckets (key `http:ip:<address>`); null disables the limit. It is
  /// called for every request, so it should be this node's own in-process limiter: the
  /// limit is then per node (behind a balancer spreading a client over N nodes, N times it).
  std::shared_ptr<ratelimit::RateLimiter> rate_limiter;
  ratelimit::Limit per_ip_limit;
  /// Peers whose X-Forwarded-For names the client (Request::remote_address); by default
  /// nobody's, and the client is the TCP peer.
  TrustedProxies trusted_proxies;
  /// Called once, on the thread that called run(), after in-flight requests have
  /// finished (or the grace period ran out) and before run() returns.
  std::function<void()> on_shutdown;
};

}  // namespace talkline::transport::http
