#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "services/retention_service.hpp"

namespace talkline::jobs {

/// Runs the retention sweep on a thread of its own: once shortly after start, then every
/// `interval` (TALKLINE_RETENTION_SWEEP_SECONDS) after the previous sweep ended, so sweeps
/// never overlap on one node. A failed sweep is logged and tried again at the next turn.
///
/// Threads: the constructor starts the thread; stop() from any other thread.
class RetentionSweeper {
 public:
  RetentionSweeper(services::RetentionService& service, std::chrono::seconds interval);
  ~RetentionSweeper();
  RetentionSweeper(const RetentionSweeper&) = delete;
  RetentionSweeper& operator=(const RetentionSweeper&) = delete;

  /// Lets a sweep in progress finish its current batch, then joins the thread. Idempotent.
  void stop();

 private:
  void run();

  services::RetentionService& service_;
  const std::chrono::seconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  std::atomic<bool> cancelled_{false};  // stopping_, for a sweep in progress to see
  std::thread thread_;
};

}  // namespace talkline::jobs
