#include "store/sqlite/checkpointer.hpp"

#include <string>
#include <string_view>

#include <pthread.h>
#include <sqlite3.h>

#include "store/sqlite/connection.hpp"
#include "util/log.hpp"

namespace talkline::store::sqlite {

Checkpointer::Checkpointer(std::unique_ptr<Connection> connection, int threshold_pages)
    : connection_(std::move(connection)), threshold_pages_(threshold_pages > 0 ? threshold_pages : 1) {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "tl-checkpoint");
    run();
  });
}

Checkpointer::~Checkpointer() { stop(); }

void Checkpointer::watch(Connection& writer, int busy_timeout_ms) {
  writer_busy_timeout_ms_ = busy_timeout_ms;
  sqlite3_wal_autocheckpoint(writer.handle(), 0);
  sqlite3_wal_hook(writer.handle(), &Checkpointer::on_commit, this);
}

void Checkpointer::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wanted_.notify_all();
  if (thread_.joinable()) thread_.join();
}

// Called by SQLite on the writer thread after each commit, with the WAL's size in
// pages. It flags the copying as due for the other thread; only the short restart step
// runs here.
int Checkpointer::on_commit(void* self, sqlite3* db, const char*, int wal_pages) {
  auto& checkpointer = *static_cast<Checkpointer*>(self);
  if (checkpointer.restart_due_.exchange(false, std::memory_order_acquire)) {
    checkpointer.restart(db);
    return SQLITE_OK;
  }
  // The WAL starts over after a complete checkpoint; until then its size includes the
  // frames already copied, which are no reason to checkpoint again.
  int copied = checkpointer.copied_pages_.load(std::memory_order_relaxed);
  if (wal_pages < copied) {
    copied = 0;
    checkpointer.copied_pages_.store(0, std::memory_order_relaxed);
  }
  if (wal_pages - copied < checkpointer.threshold_pages_) return SQLITE_OK;
  bool wake = false;
  {
    std::lock_guard lock(checkpointer.mutex_);
    wake = !checkpointer.due_;
    checkpointer.due_ = true;
  }
  if (wake) checkpointer.wanted_.notify_one();
  return SQLITE_OK;
}

namespace {

// A connection opens the WAL only when it reads the database; until then a checkpoint on
// it "succeeds" with nothing to do (-1 pages) and the WAL grows without end. One read
// before each checkpoint keeps the WAL open on this connection.
Result<void> open_wal(Connection& connection) {
  TL_TRY_ASSIGN(Statement probe, connection.prepare("SELECT 1 FROM sqlite_schema LIMIT 1"));
  TL_TRY(probe.step());
  return ok_result();
}

void log_failure(std::string_view error, int wal_pages) {
  // The WAL only grows until the next checkpoint succeeds; nothing is lost.
  util::log::warn("store.checkpoint_failed",
                  {{"backend", "sqlite"}, {"error", error}, {"wal_pages", static_cast<std::int64_t>(wal_pages)}});
}

}  // namespace

void Checkpointer::restart(sqlite3* writer) {
  sqlite3_busy_timeout(writer, restart_wait_ms);
  int wal_pages = 0;
  int copied = 0;
  const int rc = sqlite3_wal_checkpoint_v2(writer, "main", SQLITE_CHECKPOINT_RESTART, &wal_pages, &copied);
  sqlite3_busy_timeout(writer, writer_busy_timeout_ms_);
  // BUSY: a reader kept an older snapshot; the next passive pass asks again.
  if (rc == SQLITE_BUSY) return;
  if (rc != SQLITE_OK) {
    log_failure(sqlite3_errstr(rc), wal_pages);
    return;
  }
  restarts_.fetch_add(1, std::memory_order_relaxed);
}

void Checkpointer::run() {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wanted_.wait(lock, [this] { return due_ || stopping_; });
      if (stopping_) return;
      due_ = false;
    }
    if (Result<void> opened = open_wal(*connection_); !opened.ok()) {
      log_failure(opened.error().message, 0);
      continue;
    }
    int wal_pages = 0;
    int copied = 0;
    const int rc =
        sqlite3_wal_checkpoint_v2(connection_->handle(), "main", SQLITE_CHECKPOINT_PASSIVE, &wal_pages, &copied);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
      log_failure(sqlite3_errstr(rc), wal_pages);
      continue;
    }
    if (wal_pages < 0) {
      log_failure("the checkpoint connection does not see the WAL", wal_pages);
      continue;
    }
    copied_pages_.store(copied, std::memory_order_relaxed);
    checkpoints_.fetch_add(1, std::memory_order_relaxed);
    restart_due_.store(true, std::memory_order_release);
  }
}

}  // namespace talkline::store::sqlite
