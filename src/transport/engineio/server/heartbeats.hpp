#pragma once

// The heartbeat deadlines of every Engine.IO session on one event loop, kept in queues
// with one timer each instead of a timer and a coroutine per session.
//
// Every deadline on a queue is "now + the same span" (the ping interval, or the ping
// timeout), so deadlines enter it in time order: arming is an append, and the timer only
// ever waits for the front. An entry is 32 bytes; the timer, its wait and the coroutine it
// replaced were several hundred per idle connection. A session that re-arms (a pong came)
// leaves its earlier entry behind; each entry carries the number of its arming, and one
// that is no longer the session's current arming is dropped when it comes due.
//
// Threads: the loop's only. One instance per io_context (an Asio service), found with of().

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>

#include "transport/asio/asio.hpp"

namespace talkline::transport::engineio {

/// What a deadline calls back. Implemented by Session.
class HeartbeatTarget {
 public:
  virtual ~HeartbeatTarget() = default;
  /// The deadline armed as number `arming` came due.
  virtual void heartbeat_due(std::uint64_t arming) = 0;
};

class Heartbeats : public boost::asio::execution_context::service {
 public:
  using Clock = std::chrono::steady_clock;
  inline static boost::asio::execution_context::id id;

  /// `context` must be an io_context (the loops are).
  explicit Heartbeats(boost::asio::execution_context& context);
  Heartbeats(const Heartbeats&) = delete;
  Heartbeats& operator=(const Heartbeats&) = delete;

  /// The instance of the loop that runs `io`.
  static Heartbeats& of(boost::asio::io_context& io) { return boost::asio::use_service<Heartbeats>(io); }

  /// Calls `target->heartbeat_due(arming)` once `span` has passed, if the target still
  /// exists then.
  void arm(Clock::duration span, std::weak_ptr<HeartbeatTarget> target, std::uint64_t arming);

  /// Deadlines waiting, stale ones included (for tests).
  std::size_t pending() const;

 private:
  struct Entry {
    Clock::time_point due;
    std::weak_ptr<HeartbeatTarget> target;
    std::uint64_t arming;
  };
  struct Queue {
    explicit Queue(boost::asio::io_context& io) : timer(io) {}
    boost::asio::steady_timer timer;
    std::deque<Entry> entries;
    bool waiting = false;  // the timer waits for entries.front()
    bool firing = false;   // inside fire(): it re-arms the timer itself at the end
  };

  void shutdown() override;
  void wait(Queue& queue);
  void fire(Queue& queue);

  boost::asio::io_context& io_;
  // By span; a loop serves one or two spans per Engine.IO server.
  std::map<Clock::duration, std::unique_ptr<Queue>> queues_;
};

}  // namespace talkline::transport::engineio
