#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

#include "transport/asio/asio.hpp"

namespace talkline::transport::http {

/// The server's event loops: one io_context per loop, each run by exactly one thread,
/// so whatever a loop owns (a connection, its Engine.IO session, timers) is touched by
/// that thread alone and needs neither a strand nor a mutex. Work crosses loops only by
/// posting to the other loop's executor.
///
/// Lifecycle: construct, start (threads begin running), stop (every loop returns from
/// run), join. Only stop() may be called from any thread.
class EventLoops {
 public:
  /// `count` loops; zero or less means one per core. With a `lag_probe` interval, each
  /// loop arms a timer that often and counts how late it fires: the time the loop was
  /// too busy to run what was due (util::metrics, "event loop lag").
  explicit EventLoops(int count, std::chrono::milliseconds lag_probe = {});
  ~EventLoops();
  EventLoops(const EventLoops&) = delete;
  EventLoops& operator=(const EventLoops&) = delete;

  std::size_t size() const { return loops_.size(); }
  boost::asio::io_context& at(std::size_t index) { return *loops_[index]; }
  /// The loop for the next accepted connection: round robin. Acceptor's thread only.
  boost::asio::io_context& next();

  /// Starts one thread per loop; each keeps running until stop(), even with no work.
  void start();
  /// Makes every loop return from run(). Any thread; idempotent.
  void stop();
  /// Waits for the loop threads. Not from a loop thread.
  void join();

 private:
  using WorkGuard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;

  std::vector<std::unique_ptr<boost::asio::io_context>> loops_;
  std::vector<WorkGuard> keep_running_;
  std::vector<std::thread> threads_;
  std::size_t next_ = 0;
  const std::chrono::milliseconds lag_probe_;
  // Declared after loops_, so they go first; each is touched only by its loop.
  std::vector<std::unique_ptr<boost::asio::steady_timer>> probes_;

  void probe_lag(std::size_t index);
};

}  // namespace talkline::transport::http
