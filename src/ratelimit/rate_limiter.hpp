#pragma once

#include <functional>
#include <string>
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
///
/// Warning: the synchronous calls of a shared backend wait for the network (for a
/// bounded time, after which they answer from a local bucket): call them from worker
/// threads, never from an event loop. acquire_async never waits.
class RateLimiter {
 public:
  using Done = std::function<void(Decision)>;

  virtual ~RateLimiter() = default;
  /// Takes `cost` tokens if the bucket has them; otherwise takes nothing and refuses.
  virtual Decision acquire(std::string_view key, const Limit& limit, double cost = 1) = 0;
  /// Whether `cost` tokens are available, without taking any.
  virtual Decision peek(std::string_view key, const Limit& limit, double cost = 1) = 0;
  /// Gives back tokens taken by `acquire` for an attempt that turned out not to count
  /// (a successful login); never fills a bucket past its capacity.
  virtual void refund(std::string_view key, const Limit& limit, double cost = 1) = 0;

  /// acquire() without waiting: `done` gets the decision exactly once, possibly on the
  /// calling thread before this returns, possibly on a thread of the limiter. Calls of
  /// one thread are answered in the order they were made. `done` should be quick and
  /// must not make synchronous calls of this limiter (on the limiter's thread they would
  /// wait for themselves); hand longer work to a thread of your own. The default answers
  /// at once with acquire(), which suits a backend that never blocks.
  virtual void acquire_async(std::string key, Limit limit, double cost, Done done) { done(acquire(key, limit, cost)); }

  /// False while a shared backend cannot reach its server (decisions then come from
  /// this node's own buckets); /readyz reports it as degraded.
  virtual bool healthy() const { return true; }
};

}  // namespace talkline::ratelimit
