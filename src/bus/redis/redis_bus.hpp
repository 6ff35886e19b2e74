#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "bus/bus.hpp"
#include "util/result.hpp"

struct redisContext;

namespace talkline::bus::redis {

struct RedisBusOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string username;  // with a password: AUTH username password (Redis 6 ACL)
  std::string password;  // empty: no AUTH
  /// Channels are `<prefix>u:<userId>`. Nodes of one cluster share it; tests pick a
  /// fresh one to stay apart on one server.
  std::string channel_prefix = "tl:";
  /// Bound of the publish queue (encoded bytes) while Redis is slow or down; past it
  /// envelopes are dropped and counted.
  std::size_t max_queued_bytes = std::size_t{64} << 20;
  std::chrono::milliseconds connect_timeout{1000};
  /// A reply (or, on the subscriber, any byte after a PING) later than this means the
  /// connection is dead: it is dropped and made again.
  std::chrono::milliseconds io_timeout{3000};
  std::chrono::milliseconds min_backoff{50};
  std::chrono::milliseconds max_backoff{2000};
};

/// Reads `redis://[[user]:password@]host[:port][/db]` (the db is ignored: pub/sub has none).
Result<RedisBusOptions> parse_redis_url(std::string_view url);

/// The bus of a node among several, on Redis pub/sub (docs/HLD.md "Redis bus").
///
/// Each user has a channel; a node subscribes to it while it has interest (a live
/// connection of that user) and unsubscribes after. publish() delivers to this node's
/// handler at once and queues one PUBLISH per recipient channel; envelopes carry the
/// origin node, so a node skips its own when Redis echoes them back.
///
/// Two connections, each on a thread of its own with hiredis' blocking API: the
/// publisher writes everything queued in one write and then reads the replies; the
/// subscriber polls its socket and a wake-up eventfd, (un)subscribes as interest
/// changes, and delivers. Both reconnect with backoff; the subscriber then subscribes
/// to every current interest again. See docs/decisions.md D11.
class RedisBus final : public Bus {
 public:
  struct Stats {
    std::uint64_t published = 0;  // PUBLISH commands Redis accepted
    std::uint64_t dropped = 0;    // envelopes not sent: queue full, or lost with a connection
    std::uint64_t received = 0;   // envelopes from other nodes handed to the handler
    std::uint64_t reconnects = 0;
    std::size_t queued_bytes = 0;
  };

  explicit RedisBus(RedisBusOptions options);
  ~RedisBus() override;
  RedisBus(const RedisBus&) = delete;
  RedisBus& operator=(const RedisBus&) = delete;

  void publish(const Envelope& envelope) override;
  void subscribe(Handler handler) override;
  void add_interest(model::Id user_id) override;
  void remove_interest(model::Id user_id) override;
  void await_interest(model::Id user_id, std::function<void()> ready) override;
  bool healthy() const override;

  /// Waits until both connections are up (at start, and in tests); true when they are.
  bool wait_until_healthy(std::chrono::milliseconds timeout) const;
  Stats stats() const;
  /// This node's id on the wire (random per instance).
  std::uint64_t origin() const { return origin_; }

 private:
  struct Outgoing {
    std::shared_ptr<const std::string> bytes;
    std::vector<model::Id> user_ids;
    std::size_t cost = 0;
  };

  void run_publisher();
  void run_subscriber();
  bool publish_batch(redisContext* context, std::deque<Outgoing>& batch);
  void subscriber_session(redisContext* context);
  bool reconcile(redisContext* context);
  void handle_replies(std::vector<void*>& replies);
  void deliver_remote(std::vector<std::pair<model::Id, std::string>>& messages);
  void confirmed(model::Id user_id);
  void deliver(const Envelope& envelope);
  redisContext* connect(std::string_view role);
  bool wait_backoff(std::chrono::milliseconds delay);
  void wake_subscriber();
  void set_health();
  std::string channel_of(model::Id user_id) const;

  const RedisBusOptions options_;
  const std::uint64_t origin_;
  const std::string user_prefix_;

  std::mutex handler_mutex_;
  std::shared_ptr<const Handler> handler_;

  // publish queue
  mutable std::mutex queue_mutex_;
  std::condition_variable queue_changed_;
  std::deque<Outgoing> queue_;
  std::size_t queued_bytes_ = 0;

  // interest: what the node wants (counted), what the subscriber has told Redis, and
  // who waits for a subscription to be confirmed
  mutable std::mutex interest_mutex_;
  std::unordered_map<model::Id, int> interest_;
  std::unordered_set<model::Id> changed_;     // users whose subscription may need a command
  std::unordered_set<model::Id> subscribed_;  // confirmed by Redis on the current connection
  std::unordered_map<model::Id, std::vector<std::function<void()>>> waiters_;
  bool subscriber_up_ = false;

  // the subscriber thread's own view of its connection: channels asked for, and
  // SUBSCRIBE commands not yet confirmed
  std::unordered_set<model::Id> requested_;
  std::unordered_map<model::Id, int> pending_;

  std::atomic<bool> stopping_{false};
  std::atomic<bool> publisher_up_{false};
  std::atomic<bool> subscriber_healthy_{false};
  mutable std::mutex health_mutex_;
  mutable std::condition_variable health_changed_;

  std::atomic<std::uint64_t> published_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::uint64_t> received_{0};
  std::atomic<std::uint64_t> reconnects_{0};
  std::atomic<std::uint64_t> drops_logged_{0};

  int wake_fd_ = -1;
  std::thread publisher_;
  std::thread subscriber_;
};

}  // namespace talkline::bus::redis
