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
#include "redis/client.hpp"

struct redisContext;

namespace talkline::bus::redis {

struct RedisBusOptions {
  /// Channels are `<prefix>u:<userId>`. Nodes of one cluster share it; tests pick a
  /// fresh one to stay apart on one server.
  std::string channel_prefix = "tl:";
  /// Bound of the publish queue (encoded bytes) while Redis is slow or down; past it
  /// envelopes are dropped and counted.
  std::size_t max_queued_bytes = std::size_t{64} << 20;
};

/// The bus of a node among several, on Redis pub/sub (docs/HLD.md "Redis bus").
///
/// Each user has a channel; a node subscribes to it while it has interest (a live
/// connection of that user) and unsubscribes after. publish() delivers to this node's
/// handler at once and queues one PUBLISH per recipient channel; envelopes carry the
/// origin node, so a node skips its own when Redis echoes them back.
///
/// Two redis::Links, each on a thread of its own with hiredis' blocking API: the
/// publisher writes everything queued in one write and then reads the replies; the
/// subscriber polls its socket and a wake-up eventfd, (un)subscribes as interest
/// changes, and delivers. The links reconnect (redis::Link); on each new subscriber
/// connection every current interest is subscribed again. See docs/decisions.md D11.
///
/// Threads: publish(), add_interest(), remove_interest() and await_interest() from any
/// thread (the gateway's loops and the store's completions); the handler runs on the
/// publishing thread for this node's own envelopes and on the subscriber thread for
/// the others'. A dropped envelope is not retried: the bus may lose (never reorder)
/// what one thread publishes, and clients recover with `sync`.
class RedisBus final : public Bus {
 public:
  struct Stats {
    std::uint64_t published = 0;   // PUBLISH commands Redis accepted
    std::uint64_t dropped = 0;     // envelopes not sent: queue full, or lost with a connection
    std::uint64_t received = 0;    // envelopes from other nodes handed to the handler
    std::uint64_t reconnects = 0;  // of either link
    std::size_t queued_bytes = 0;
  };

  /// Makes the publisher and subscriber links on `client`.
  RedisBus(const talkline::redis::Client& client, RedisBusOptions options);
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
    std::uint64_t queued_ns = 0;  // util::metrics::now_ns() at publish(), for the publish lag
  };

  void run_publisher();
  void run_subscriber();
  bool take_batch(std::deque<Outgoing>& batch);
  bool publish_batch(redisContext* context, std::deque<Outgoing>& batch);
  void subscriber_started();
  void subscriber_ended();
  void subscriber_session(redisContext* context);
  bool reconcile(redisContext* context);
  void handle_replies(std::vector<void*>& replies);
  void deliver_remote(std::vector<std::pair<model::Id, std::string>>& messages);
  void confirmed(model::Id user_id);
  void deliver(const Envelope& envelope);
  void wake_subscriber();
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

  std::atomic<std::uint64_t> published_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::uint64_t> received_{0};

  int wake_fd_ = -1;
  std::unique_ptr<talkline::redis::Link> publisher_link_;
  std::unique_ptr<talkline::redis::Link> subscriber_link_;
  std::thread publisher_;
  std::thread subscriber_;
};

}  // namespace talkline::bus::redis
