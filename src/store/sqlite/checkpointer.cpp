#include "store/sqlite/checkpointer.hpp"

#include <string>

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

void Checkpointer::watch(Connection& writer) {
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
// pages. It only flags the checkpoint as due: the commit path must not wait.
int Checkpointer::on_commit(void* self, sqlite3*, const char*, int wal_pages) {
  auto& checkpointer = *static_cast<Checkpointer*>(self);
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

void Checkpointer::run() {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wanted_.wait(lock, [this] { return due_ || stopping_; });
      if (stopping_) return;
      due_ = false;
    }
    int wal_pages = 0;
    int copied = 0;
    const int rc =
        sqlite3_wal_checkpoint_v2(connection_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &wal_pages, &copied);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
      // The WAL only grows until the next checkpoint succeeds; nothing is lost.
      util::log::warn("store.checkpoint_failed", {{"backend", "sqlite"},
                                                  {"error", std::string_view(sqlite3_errstr(rc))},
                                                  {"wal_pages", static_cast<std::int64_t>(wal_pages)}});
      continue;
    }
    copied_pages_.store(copied, std::memory_order_relaxed);
    checkpoints_.fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace talkline::store::sqlite
