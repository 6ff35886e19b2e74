#include "app/ratelimit_backend.hpp"

#include <chrono>
#include <utility>

#include "app/bus_backend.hpp"
#include "ratelimit/redis/redis_rate_limiter.hpp"
#include "redis/endpoint.hpp"

namespace talkline::app {

namespace {

constexpr auto kFirstConnectWait = std::chrono::seconds(2);

}  // namespace

Result<std::shared_ptr<ratelimit::RateLimiter>> open_ratelimit_backend(const config::Config& config,
                                                                       const util::Clock& clock,
                                                                       std::shared_ptr<ratelimit::RateLimiter> local) {
  if (config.bus == "local") return local;
  auto endpoint = talkline::redis::parse_url(config.bus, "TALKLINE_BUS");
  if (!endpoint.ok()) {
    Error error = endpoint.take_error();
    error.message = "TALKLINE_BUS " + bus_description(config.bus) + ": " + error.message;
    return error;
  }
  ratelimit::redis::RedisRateLimiterOptions options;
  options.endpoint = std::move(endpoint).value();
  options.timeout = std::chrono::milliseconds(config.rate_limit_timeout_ms);
  auto shared = std::make_shared<ratelimit::redis::RedisRateLimiter>(std::move(options), clock);
  // Shared decisions from the first request on when Redis is there. When it is not, the
  // limiter has said so (ratelimit.redis_unreachable) and keeps trying in the background.
  shared->wait_until_healthy(kFirstConnectWait);
  return std::shared_ptr<ratelimit::RateLimiter>(std::move(shared));
}

}  // namespace talkline::app
