#pragma once

// One Redis connection that stays made: the single place where a connection to Redis is
// opened, checked, lost, made again with backoff, and reported healthy or not. Every
// Redis user of a node (bus publisher and subscriber, presence, rate limiter, node
// directory, event-log writer and consumers) runs on a Link made by redis::Client.
//
// Threads: a Link belongs to its owner's thread, which alone calls get(), current(),
// wait(), drop() and next_attempt() and uses the connection they return. healthy(),
// wait_until_healthy(), sleep_until(), stop() and role() may be called from any thread.
// The hooks run on the thread that connects: the owner's, or for a link that connects in
// the background, the link's own connector thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "redis/connection.hpp"
#include "redis/endpoint.hpp"

namespace talkline::redis {

/// How its user wants a link to behave.
struct LinkSettings {
  /// Names the link in logs and /metrics ("bus.publisher", "presence", ...).
  std::string role;
  /// Runs on every new connection before it counts as up (load scripts, make a group,
  /// subscribe again); false: not usable, tried again after the backoff.
  std::function<bool(Connection&)> on_connect;
  /// Told when the link goes up (true) or down (false); down is told once per outage,
  /// also when Redis is out of reach from the start.
  std::function<void(bool up)> on_change;
  /// Connect on a thread of the link's own, so the owner never waits for a connect (the
  /// rate limiter answers from local buckets meanwhile). Otherwise the owner connects
  /// inside get() / wait().
  bool background = false;
  /// Overrides the client's reply timeout for this link (the rate limiter's is its
  /// decision timeout).
  std::optional<std::chrono::milliseconds> io_timeout;
};

/// What the Client keeps of each link for /metrics.
struct LinkCounters {
  explicit LinkCounters(std::string name) : role(std::move(name)) {}
  const std::string role;
  std::atomic<bool> up{false};
  std::atomic<std::uint64_t> connects{0};
  std::atomic<std::uint64_t> reconnects{0};  // connections made after the first
};

class Link {
 public:
  using Clock = std::chrono::steady_clock;
  struct Timing {
    ConnectOptions connect;
    std::chrono::milliseconds min_backoff{};
    std::chrono::milliseconds max_backoff{};
  };

  Link(Endpoint endpoint, Timing timing, LinkSettings settings, std::shared_ptr<LinkCounters> counters);
  /// Stops, and joins the connector thread of a background link.
  ~Link();
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;

  /// The live connection, or one made now if there is none and the backoff allows (a
  /// background link never connects here: it hands over what its thread made).
  /// nullptr while Redis is out of reach or the link is stopped. A connection that
  /// reports broken() is dropped first.
  Connection* get();
  /// The live connection, never connecting; nullptr when there is none.
  Connection* current();
  /// Like get(), but waits out the backoff until connected; nullptr only once stopped.
  Connection* wait();
  /// The connection failed or answered nonsense: it is closed, the link is down, and the
  /// next one is made after the backoff.
  void drop(std::string_view why);
  /// When get() will try to connect next (now or earlier when it may at once).
  Clock::time_point next_attempt() const;

  bool healthy() const { return counters_->up; }
  bool wait_until_healthy(std::chrono::milliseconds timeout) const;
  /// Sleeps until `until` or stop(); false once stopped.
  bool sleep_until(Clock::time_point until) const;
  /// Ends every wait and every further connect. Idempotent.
  void stop();
  bool stopped() const;
  const std::string& role() const { return counters_->role; }
  std::uint64_t reconnects() const { return counters_->reconnects; }
  /// The timeouts its connections are made with: the client's, with the link's own
  /// io_timeout when it has one.
  const ConnectOptions& timeouts() const { return timing_.connect; }

 private:
  std::unique_ptr<Connection> attempt();
  void attempted(bool made);
  /// Under mutex_: a connection was made; resets the backoff and counts it.
  void mark_up_locked();
  /// After mark_up_locked(), outside the lock: wakes waiters, logs, tells on_change.
  void announce_up();
  void went_down(std::string_view why);
  void run_connector();

  const Endpoint endpoint_;
  const Timing timing_;
  const LinkSettings settings_;
  const std::shared_ptr<LinkCounters> counters_;

  std::unique_ptr<Connection> connection_;  // the owner's

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::unique_ptr<Connection> ready_;  // background: made, not yet taken by the owner
  bool wanted_ = true;                 // background: the owner has no connection
  std::atomic<bool> stopping_{false};  // written under mutex_, so waits see it
  bool down_told_ = false;             // this outage was logged and told
  Clock::time_point next_attempt_{};
  std::chrono::milliseconds backoff_;
  std::thread connector_;
};

}  // namespace talkline::redis
