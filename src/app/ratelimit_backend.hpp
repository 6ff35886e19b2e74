#pragma once

#include <memory>

#include "config/config.hpp"
#include "ratelimit/rate_limiter.hpp"
#include "redis/client.hpp"
#include "util/clock.hpp"
#include "util/result.hpp"

namespace talkline::app {

/// The limiter for per-user and per-account limits (login, registration, message:send):
/// with a redis:// TALKLINE_BUS, token buckets in that Redis (on `redis`) shared by every node
/// (falling back to this node's own buckets while it is unreachable, for at most
/// TALKLINE_RATE_LIMIT_TIMEOUT_MS a call); otherwise `local`. The per-address HTTP
/// request limit stays on `local` whatever this returns: it runs on every request.
/// `clock` must outlive the limiter.
std::shared_ptr<ratelimit::RateLimiter> open_ratelimit_backend(const config::Config& config, const redis::Client* redis,
                                                               const util::Clock& clock,
                                                               std::shared_ptr<ratelimit::RateLimiter> local);

}  // namespace talkline::app
