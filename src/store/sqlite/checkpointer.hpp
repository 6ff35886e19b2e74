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

/// Keeps the WAL small without making commits wait for the copying.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses its threshold, on the
/// writer thread, stalling every send queued behind it for tens of milliseconds. A PASSIVE
/// checkpoint on another connection copies without blocking anyone, but under steady
/// writes it never catches up with the last frame, and the WAL only starts over from its
/// beginning after a checkpoint that did: the file then grows without end (and every frame
/// lands on freshly allocated disk blocks, which costs more than overwriting).
///
/// So it works in two steps. Past `threshold_pages` of uncopied WAL, this thread runs a
/// PASSIVE checkpoint, which copies almost everything. The next commit's hook, on the
/// writer thread, then runs a RESTART checkpoint: it copies only the frames committed
/// meanwhile and lets the next transaction write the WAL from its start again. That
/// step waits for readers on an older snapshot at most `restart_wait_ms`; if they are
/// still there it is simply tried again after the next passive pass.
///
/// Threads: watch() before the writer starts; stop() from the owner; on_commit on the
/// writer thread; the rest is its own thread.
class Checkpointer {
 public:
  Checkpointer(std::unique_ptr<Connection> connection, int threshold_pages);
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  /// Hooks `writer`'s commits and replaces SQLite's automatic checkpoint on it.
  /// `busy_timeout_ms` is the writer's usual busy timeout, put back after each restart.
  void watch(Connection& writer, int busy_timeout_ms);
  /// Finishes a checkpoint under way and joins the thread. Idempotent.
  void stop();

  /// Passive checkpoints run so far.
  std::uint64_t checkpoints() const { return checkpoints_.load(std::memory_order_relaxed); }
  /// Times the WAL was made to start over from its beginning.
  std::uint64_t restarts() const { return restarts_.load(std::memory_order_relaxed); }

  /// Longest a restart waits for readers still on an older snapshot.
  static constexpr int restart_wait_ms = 5;

 private:
  static int on_commit(void* self, sqlite3* db, const char* schema, int wal_pages);
  void restart(sqlite3* writer);
  void run();

  std::unique_ptr<Connection> connection_;
  const int threshold_pages_;
  int writer_busy_timeout_ms_ = 0;
  std::mutex mutex_;
  std::condition_variable wanted_;
  bool due_ = false;       // guarded by mutex_
  bool stopping_ = false;  // guarded by mutex_
  /// Set by this thread after a passive pass, taken by the writer's next commit.
  std::atomic<bool> restart_due_{false};
  std::atomic<std::uint64_t> checkpoints_{0};
  std::atomic<std::uint64_t> restarts_{0};
  /// WAL frames the last checkpoint copied (the writer thread resets it when the WAL
  /// starts over).
  std::atomic<int> copied_pages_{0};
  std::thread thread_;
};

}  // namespace talkline::store::sqlite
