#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "ratelimit/local_rate_limiter.hpp"
#include "ratelimit/rate_limiter.hpp"
#include "redis/client.hpp"
#include "util/clock.hpp"

namespace talkline::ratelimit::redis {

struct RedisRateLimiterOptions {
  /// Buckets are `<prefix><key>`. Nodes of one cluster share it; tests pick a fresh one.
  std::string key_prefix = "tl:rl:";
  /// The longest a decision waits for Redis. A synchronous call answers from the local
  /// bucket past it; a connection that takes longer to answer is dropped and remade.
  std::chrono::milliseconds timeout{500};
  /// Where "now" comes from: the Redis server's clock (one clock for every node), or,
  /// when false, the clock given to the limiter (tests move it by hand).
  bool server_time = true;
  /// A written bucket expires this long after it would be full again.
  std::chrono::milliseconds expiry_margin{5000};
  /// Expiry of a bucket that never refills (refill 0).
  std::chrono::milliseconds longest_expiry{std::chrono::hours(24)};
  /// acquire_async takes up to this many whole tokens beyond the cost from the shared
  /// bucket (never more than a quarter of its capacity) and spends them on the key's next
  /// calls in this process without asking Redis. 0: every call asks Redis.
  int lease_tokens = 0;
  /// How long this process keeps leased tokens; what is left then goes back to the bucket.
  std::chrono::milliseconds lease_time{1000};
};

/// Token buckets shared by every node, kept in Redis (docs/HLD.md "Rate limits across
/// nodes"; docs/decisions.md D13).
///
/// Each decision is one atomic Lua script call (loaded once per connection, called by
/// EVALSHA, sent again with EVAL when Redis answers NOSCRIPT). Calls are queued; one
/// thread takes everything queued, writes it as one pipeline and reads the answers,
/// so callers of acquire_async never wait, and answers leave in the order the calls
/// were queued. Its redis::Link connects in the background, so that thread never waits
/// for a connection either.
///
/// Threads: every call from any thread (the gateway's loops, HTTP workers). `done`
/// runs on the limiter's thread, or on the caller's when decided locally at once.
///
/// Leases (`lease_tokens`): a user sending many messages in a row costs one round trip
/// per lease instead of one per message, and most calls are answered at once on the
/// caller's thread. The shared limit still holds exactly: leased tokens were taken from the
/// shared bucket. The price is that a key used on two nodes at once may be refused on one
/// while the other holds up to `lease_tokens` for at most `lease_time`. A call is answered
/// from a lease only while no earlier call of the same key waits for Redis, so one
/// thread's calls of a key are still answered in the order they were made.
///
/// While Redis is unreachable — not connected, or slower than `timeout` — decisions
/// come from buckets in this process (logged once per outage, counted): a node keeps
/// serving its own users, with per-node limits until Redis is back. Synchronous calls
/// wait at most `timeout` for Redis.
class RedisRateLimiter final : public RateLimiter {
 public:
  struct Stats {
    std::uint64_t redis_decisions = 0;  // answered by Redis
    std::uint64_t local_decisions = 0;  // answered from this node's buckets instead
    std::uint64_t outages = 0;          // times Redis became unreachable (or was at start)
    std::uint64_t timeouts = 0;         // synchronous calls that stopped waiting for Redis
    std::uint64_t leased_decisions = 0;  // answered from tokens this process held
    std::uint64_t lease_calls_unsettled = 0;  // lease calls whose answer was not yet kept
  };

  /// `clock` serves the local buckets (and "now" when not server_time); it must outlive
  /// the limiter. The link's reply timeout is `options.timeout`.
  RedisRateLimiter(const talkline::redis::Client& client, RedisRateLimiterOptions options, const util::Clock& clock);
  ~RedisRateLimiter() override;
  RedisRateLimiter(const RedisRateLimiter&) = delete;
  RedisRateLimiter& operator=(const RedisRateLimiter&) = delete;

  Decision acquire(std::string_view key, const Limit& limit, double cost = 1) override;
  Decision peek(std::string_view key, const Limit& limit, double cost = 1) override;
  /// Queued, not waited for: a later call of the same thread sees it.
  void refund(std::string_view key, const Limit& limit, double cost = 1) override;
  void acquire_async(std::string key, Limit limit, double cost, Done done) override;
  bool healthy() const override { return link_->healthy(); }

  /// Waits until connected (at start, and in tests); true when it is.
  bool wait_until_healthy(std::chrono::milliseconds timeout) const;
  Stats stats() const;

 private:
  enum class Op { acquire, peek, refund, lease };
  struct Waiter;
  struct Call {
    Op op = Op::acquire;
    std::string key;  // without the prefix
    Limit limit;
    double cost = 1;
    std::int64_t now_ms = 0;         // when called; sent as "now" unless server_time
    Done done;                       // acquire_async
    std::shared_ptr<Waiter> waiter;  // acquire, peek
    double leased = 0;               // lease: the tokens Redis granted beyond the cost
  };
  // Tokens of one key this process took from the shared bucket and has not spent yet.
  struct Lease {
    double tokens = 0;
    Limit limit;
    std::int64_t expires_ms = 0;
    int asking = 0;  // calls of the key queued for Redis and not answered yet
  };

  Decision wait_for(Op op, std::string_view key, const Limit& limit, double cost);
  void enqueue(Call call);
  static const char* op_name(Op op);
  Decision decide_locally(const Call& call);
  void answer(Call& call, Decision decision);

  bool spend_lease(const std::string& key, const Limit& limit, double cost);
  void keep_lease(const Call& call, bool allowed);
  void return_expired_leases();
  double lease_size(const Limit& limit) const;

  void run_worker();
  bool run_batch(talkline::redis::Connection& connection, std::vector<Call>& batch,
                 std::vector<std::optional<Decision>>& decisions);
  std::vector<std::string> script_call(const Call& call, bool by_digest) const;
  bool load_script(talkline::redis::Connection& connection);

  const RedisRateLimiterOptions options_;
  const util::Clock& clock_;
  LocalRateLimiter local_;

  std::mutex queue_mutex_;
  std::condition_variable queue_changed_;
  std::deque<Call> queue_;

  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> redis_decisions_{0};
  std::atomic<std::uint64_t> local_decisions_{0};
  std::atomic<std::uint64_t> outages_{0};
  std::atomic<std::uint64_t> timeouts_{0};
  std::atomic<std::uint64_t> leased_decisions_{0};

  mutable std::mutex leases_mutex_;
  std::unordered_map<std::string, Lease> leases_;  // guarded by leases_mutex_
  std::vector<Call> queue_refund_later_;           // guarded by leases_mutex_

  std::uint64_t error_replies_ = 0;  // the worker's own
  std::string sha_;                  // the script's digest on the current connection

  // Last: its connector thread may set a connection up (sha_) as soon as it exists.
  std::unique_ptr<talkline::redis::Link> link_;
  std::thread worker_;
};

}  // namespace talkline::ratelimit::redis
