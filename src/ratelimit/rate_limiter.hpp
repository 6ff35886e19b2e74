#pragma once

#include <string_view>

namespace talkline::ratelimit {

/// A token bucket: holds up to `capacity` tokens and regains `refill_per_second`.
struct Limit {
  double capacity = 10;
  double refill_per_second = 1;
};

struct Decision {
  bool allowed = true;
  /// When refused: whole seconds until a token of the asked cost is available (>= 1).
  int retry_after_seconds = 0;
};

/// Token buckets keyed by string (e.g. "login:user:alice", "http:ip:127.0.0.1").
/// Thread-safe. The local backend keeps buckets in this process; a shared backend
/// (Redis) lets nodes share them.
class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  /// Takes `cost` tokens if the bucket has them; otherwise takes nothing and refuses.
  virtual Decision acquire(std::string_view key, const Limit& limit, double cost = 1) = 0;
  /// Whether `cost` tokens are available, without taking any.
  virtual Decision peek(std::string_view key, const Limit& limit, double cost = 1) = 0;
  /// Gives back tokens taken by `acquire` for an attempt that turned out not to count
  /// (a successful login); never fills a bucket past its capacity.
  virtual void refund(std::string_view key, const Limit& limit, double cost = 1) = 0;
};

}  // namespace talkline::ratelimit
