#include "app/ratelimit_backend.hpp"

#include <chrono>
#include <utility>

#include "ratelimit/redis/redis_rate_limiter.hpp"

namespace talkline::app {

namespace {

constexpr auto kFirstConnectWait = std::chrono::seconds(2);

}  // namespace

std::shared_ptr<ratelimit::RateLimiter> open_ratelimit_backend(const config::Config& config, const redis::Client* redis,
                                                               const util::Clock& clock,
                                                               std::shared_ptr<ratelimit::RateLimiter> local) {
  if (redis == nullptr) return local;
  ratelimit::redis::RedisRateLimiterOptions options;
  options.timeout = std::chrono::milliseconds(config.rate_limit_timeout_ms);
  options.lease_tokens = config.rate_limit_lease_tokens;
  options.lease_time = std::chrono::milliseconds(config.rate_limit_lease_ms);
  auto shared = std::make_shared<ratelimit::redis::RedisRateLimiter>(*redis, std::move(options), clock);
  // Shared decisions from the first request on when Redis is there. When it is not, the
  // limiter has said so (ratelimit.redis_unreachable) and keeps trying in the background.
  shared->wait_until_healthy(kFirstConnectWait);
  return std::shared_ptr<ratelimit::RateLimiter>(std::move(shared));
}

}  // namespace talkline::app
