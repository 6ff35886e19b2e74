#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <vector>

#include "model/message.hpp"
#include "store/postgres/connection.hpp"
#include "util/result.hpp"

namespace talkline::store::postgres {

/// Group commit for sends on PostgreSQL, as the SQLite writer does it: one thread with a
/// connection of its own takes every append queued meanwhile and commits them together,
/// in one transaction and one pipelined round trip — BEGIN, the appends, COMMIT. From a
/// few appends on they go as one tl_message_append_batch call, which returns each
/// conversation's member ids too, so PostgreSQL runs a fixed number of statements for the
/// batch; fewer go as tl_message_append and a member read each. One WAL flush and one round
/// trip carry the whole batch.
///
/// seq is still assigned under each conversation's row lock, in arrival order within a
/// conversation, so the gap-free order holds across nodes; conversations are locked in id
/// order (inside the batch function, or by issuing the single appends in that order), so
/// every node's batches take them in the same order and cannot deadlock. A send that
/// repeats a clientMsgId of the batch or replies to a send of it starts a new transaction.
/// If a batch fails, it rolls back and its appends run again one by one, each in its own
/// transaction, so one bad append (a taken id) fails alone with its own error.
///
/// An edit or delete of a conversation goes through the same writer as its sends, in its
/// own transaction between the batches before and after it, so a conversation's sends
/// and changes commit and complete in the order they were submitted (two quick edits of
/// one message by one client keep their order).
///
/// Threads: submit() from any thread; completions run on the writer's thread after the
/// commit, in the order the appends were submitted (so per conversation in seq order).
class AppendWriter {
 public:
  using Done = std::function<void(Result<model::SendOutcome>)>;
  using ChangeDone = std::function<void(Result<model::ChangeOutcome>)>;
  using ExpiryDone = std::function<void(Result<model::ExpiryOutcome>)>;

  /// `commit_window`: woken by fewer than `max_batch` jobs, the writer waits this long for
  /// more to share the commit. The connection is opened (and its plans made) at once, not
  /// on the first send.
  AppendWriter(ConnectionOptions options, std::size_t max_batch, std::chrono::microseconds commit_window = {});
  ~AppendWriter();
  AppendWriter(const AppendWriter&) = delete;
  AppendWriter& operator=(const AppendWriter&) = delete;

  /// Queues one append; `done` gets its outcome (with the commit's member ids when it was
  /// created). After stop(), `done` runs at once with `unavailable`.
  void submit(model::NewMessage message, Done done);
  /// Queues one edit or delete behind the sends and changes queued before it.
  void submit_change(model::MessageChange change, ChangeDone done);
  /// Queues one batch of the retention sweep for a conversation, a transaction of its
  /// own like a change, so a sweep never holds a conversation's sends back for more
  /// than one batch.
  void submit_expiry(model::ExpiryRequest request, ExpiryDone done);
  /// Refuses new appends, commits the queued ones and joins the thread. Idempotent.
  void stop();

  /// Appends that reported an outcome, and the transactions that carried them.
  std::uint64_t appends() const { return appends_.load(std::memory_order_relaxed); }
  std::uint64_t transactions() const { return transactions_.load(std::memory_order_relaxed); }

 private:
  // A send, or (with `change` set) an edit or delete, or (with `expiry` set) a batch of
  // the retention sweep.
  struct Job {
    model::NewMessage message;
    Done done;
    Result<model::SendOutcome> outcome = Error::internal("append did not run");
    std::optional<model::MessageChange> change;
    ChangeDone change_done;
    Result<model::ChangeOutcome> change_outcome = Error::internal("change did not run");
    std::optional<model::ExpiryRequest> expiry;
    ExpiryDone expiry_done;
    Result<model::ExpiryOutcome> expiry_outcome = Error::internal("expiry did not run");

    /// Whether the job is a transaction of its own rather than part of a group commit.
    bool alone() const {
      return change.has_value() || expiry.has_value() || !message.attachment_ids.empty();
    }
    void complete_with(Error error);
  };

  void run();
  void enqueue(Job job);
  void commit_in_order(std::vector<Job>& batch);
  void apply_change(Job& job);
  void apply_expiry(Job& job);
  void apply_send_with_attachments(Job& job);
  static void complete(Job& job);
  void commit(std::span<Job> batch);
  void commit_run(Connection& db, std::span<Job> jobs);
  void one_by_one(Connection& db, std::span<Job> jobs);
  void with_views_of_retries(Connection& db, std::span<Job> jobs);
  Result<Connection*> connection();
  static void warm_up(Connection& db);

  const ConnectionOptions options_;
  const std::size_t max_batch_;
  const std::chrono::microseconds commit_window_;
  std::unique_ptr<Connection> connection_;  // the writer thread's alone
  std::chrono::steady_clock::time_point retry_at_{};

  std::mutex mutex_;
  std::condition_variable work_ready_;
  std::vector<Job> queue_;  // guarded by mutex_
  bool stopping_ = false;   // guarded by mutex_
  std::atomic<std::uint64_t> appends_{0};
  std::atomic<std::uint64_t> transactions_{0};
  std::thread thread_;
};

}  // namespace talkline::store::postgres
