#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "jobs/event_log.hpp"

namespace talkline::jobs {

/// The writing half of every EventLog backend: a bounded queue in front of a thread
/// of its own that hands batches to a sink. append() only takes a short lock, so it is
/// safe on event loops and inside the services' per-conversation locks.
class AppendQueue {
 public:
  struct Options {
    std::string name = "event_log";  // in log lines
    std::size_t max_queued = 10000;  // events; past it append() drops
    std::size_t max_batch = 256;     // events handed to the sink at once
    /// How long what the sink could not write waits before it is offered again. The
    /// sink's own connection paces its reconnects (redis::Link); this only keeps the
    /// queue from spinning meanwhile.
    std::chrono::milliseconds retry_pause{50};
  };

  /// Writes the front of `batch` and returns how many events it wrote (or gave up on
  /// for good); fewer than the batch means "could not now", and the rest is offered
  /// again after retry_pause. Runs on the queue's thread only.
  using Sink = std::function<std::size_t(const std::vector<Event>& batch)>;

  AppendQueue(Options options, Sink sink);
  /// Stops (see stop()).
  ~AppendQueue();
  AppendQueue(const AppendQueue&) = delete;
  AppendQueue& operator=(const AppendQueue&) = delete;

  bool push(Event event);
  bool flush(std::chrono::milliseconds timeout);
  /// Refuses new events, gives the queued ones up to `grace` to be written, drops (and
  /// counts) what is left, and joins the thread. Idempotent.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(2000));
  EventLog::Stats stats() const;

  /// For tests: while held, nothing is written and appends pile up against the bound,
  /// as they do while a log server is unreachable.
  void hold(bool held);

 private:
  void run();
  bool pause();
  void count_drop(std::uint64_t events, const char* why);

  const Options options_;
  const Sink sink_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Event> queue_;
  std::size_t in_flight_ = 0;  // taken by the thread, not yet written
  bool stopping_ = false;
  bool held_ = false;
  std::chrono::steady_clock::time_point deadline_{};  // of stop()'s grace

  std::atomic<std::uint64_t> appended_{0};
  std::atomic<std::uint64_t> written_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::thread thread_;
};

}  // namespace talkline::jobs
