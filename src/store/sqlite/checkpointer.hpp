#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

struct sqlite3;

namespace talkline::store::sqlite {

class Connection;

/// Folds the WAL back into the database file on a thread and connection of its own, so
/// no commit waits for it. SQLite's automatic checkpoint would run inside the commit
/// that crosses the threshold, on the writer thread, stalling every send queued behind
/// it (tens of milliseconds for thousands of pages).
///
/// The writer's connection reports the WAL's size after each commit (watch()); past
/// `threshold_pages` this thread runs a PASSIVE checkpoint, which copies what no reader
/// still needs and blocks neither the writer nor the readers. The next write after a
/// complete checkpoint starts the WAL over from its beginning.
///
/// Threads: watch() before the writer starts; stop() from the owner; the rest is its own.
class Checkpointer {
 public:
  Checkpointer(std::unique_ptr<Connection> connection, int threshold_pages);
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  /// Hooks `writer`'s commits. Replaces SQLite's automatic checkpoint on it.
  void watch(Connection& writer);
  /// Finishes a checkpoint under way and joins the thread. Idempotent.
  void stop();

  /// Checkpoints run so far.
  std::uint64_t checkpoints() const { return checkpoints_.load(std::memory_order_relaxed); }

 private:
  static int on_commit(void* self, sqlite3* db, const char* schema, int wal_pages);
  void run();

  std::unique_ptr<Connection> connection_;
  const int threshold_pages_;
  std::mutex mutex_;
  std::condition_variable wanted_;
  bool due_ = false;       // guarded by mutex_
  bool stopping_ = false;  // guarded by mutex_
  std::atomic<std::uint64_t> checkpoints_{0};
  /// WAL frames the last checkpoint copied (the writer thread resets it when the WAL
  /// starts over).
  std::atomic<int> copied_pages_{0};
  std::thread thread_;
};

}  // namespace talkline::store::sqlite
