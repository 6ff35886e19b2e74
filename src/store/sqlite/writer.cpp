#include "store/sqlite/writer.hpp"

#include <algorithm>
#include <exception>
#include <memory>
#include <string_view>
#include <utility>

#include <pthread.h>

#include "store/completion.hpp"
#include "store/sqlite/connection.hpp"
#include "util/log.hpp"
#include "util/metrics/node_metrics.hpp"

namespace talkline::store::sqlite {

namespace {

// Logs a clean-up statement (an undo) that failed. The caller already reports the error
// that led there; this one would otherwise be lost, though it can leave the connection in
// a state that later writes trip over.
void log_if_failed(const Result<void>& outcome, std::string_view statement) {
  if (outcome.ok()) return;
  util::log::error(
      "store.rollback_failed",
      {{"backend", "sqlite"}, {"statement", statement}, {"error", std::string_view(outcome.error().message)}});
}

}  // namespace

Writer::Writer(Connection& connection, std::size_t max_batch, Job before_commit,
               std::chrono::microseconds commit_window)
    : connection_(connection),
      max_batch_(std::max<std::size_t>(1, max_batch)),
      before_commit_(std::move(before_commit)),
      commit_window_(commit_window) {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "tl-writer");
    run();
  });
}

Writer::~Writer() { stop(); }

Result<void> Writer::submit(Job job) {
  Pending pending{std::move(job), ok_result(), false, {}};
  std::unique_lock lock(mutex_);
  if (stopping_) return Error::unavailable("store is closed");
  queue_.push_back(&pending);
  util::metrics::node_metrics().store.writer_queue.add(1);
  wake_if_waiting();
  work_done_.wait(lock, [&] { return pending.done; });
  return std::move(pending.outcome);
}

void Writer::submit_async(Job job, Completion done) {
  auto pending = std::make_unique<Pending>(Pending{std::move(job), ok_result(), false, std::move(done)});
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      queue_.push_back(pending.release());
      util::metrics::node_metrics().store.writer_queue.add(1);
      wake_if_waiting();
      return;
    }
  }
  pending->completion(Error::unavailable("store is closed"));
}

void Writer::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void Writer::wake_if_waiting() {
  if (waiting_ == Waiting::for_work || (waiting_ == Waiting::for_batch && queue_.size() >= max_batch_)) {
    work_ready_.notify_one();
  }
}

std::size_t Writer::queued() {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void Writer::run() {
  std::vector<Pending*> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      waiting_ = Waiting::for_work;
      work_ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      // Lightly loaded, a commit would carry one or two jobs, and its fixed cost (the
      // fsync, the pages every commit rewrites, the index segment) would be paid per
      // message. A short window lets the jobs arriving meanwhile share it; submitters
      // do not wake the writer inside it unless a whole batch is waiting.
      if (!stopping_ && queue_.size() < max_batch_ && commit_window_.count() > 0) {
        waiting_ = Waiting::for_batch;
        work_ready_.wait_for(lock, commit_window_, [&] { return stopping_ || queue_.size() >= max_batch_; });
      }
      waiting_ = Waiting::no;
      // Stopping still drains the queue: those callers were accepted and are waiting.
      if (queue_.empty()) return;
      std::size_t take = std::min(max_batch_, queue_.size());
      batch.assign(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(take));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(take));
    }
    util::metrics::node_metrics().store.writer_queue.add(-static_cast<std::int64_t>(batch.size()));
    run_batch(batch);
    finish_batch(batch);
  }
}

// Completions run in queue order, after the batch's waiting callers were released.
void Writer::finish_batch(std::vector<Pending*>& batch) {
  jobs_done_.fetch_add(batch.size(), std::memory_order_relaxed);
  store::finish_batch("sqlite", batch, mutex_, work_done_);
}

void Writer::fail_range(std::vector<Pending*>& batch, std::size_t from, std::size_t to, const Error& error) {
  for (std::size_t i = from; i < to; ++i) batch[i]->outcome = error;
}

// Runs one job between SAVEPOINT and RELEASE, undoing it alone when it fails. The job's
// error is returned as is; the caller checks afterwards whether the engine went further
// and rolled back the whole transaction.
Result<void> Writer::run_in_savepoint(Pending& pending) {
  TL_TRY(connection_.run("SAVEPOINT job"));
  Result<void> outcome = ok_result();
  try {
    outcome = pending.job(connection_);
  } catch (const std::exception& e) {
    outcome = Error::internal(std::string("write job threw: ") + e.what());
  } catch (...) {
    outcome = Error::internal("write job threw");
  }
  if (outcome.ok()) {
    Result<void> released = connection_.run("RELEASE job");
    if (released.ok()) return outcome;
    outcome = std::move(released);
  }
  if (connection_.in_transaction()) {
    Result<void> undone = connection_.exec("ROLLBACK TO job");
    log_if_failed(undone, "ROLLBACK TO job");
    if (undone.ok()) {
      log_if_failed(connection_.exec("RELEASE job"), "RELEASE job");
    } else {
      // The failed job's writes could not be undone alone, so none of the batch may
      // commit: ending the transaction makes run_batch report the earlier jobs failed.
      log_if_failed(connection_.exec("ROLLBACK"), "ROLLBACK");
    }
  }
  return outcome;
}

void Writer::run_batch(std::vector<Pending*>& batch) {
  std::size_t next = 0;
  auto& metrics = util::metrics::node_metrics().store;
  while (next < batch.size()) {
    const auto began_ns = util::metrics::now_ns();
    Result<void> begun = connection_.run("BEGIN IMMEDIATE");
    if (!begun.ok()) {
      fail_range(batch, next, batch.size(), Error::unavailable("cannot begin a write: " + begun.error().message));
      return;
    }
    std::size_t first = next;
    bool aborted = false;
    for (; next < batch.size(); ++next) {
      batch[next]->outcome = run_in_savepoint(*batch[next]);
      if (!connection_.in_transaction()) {
        // Some errors (disk full, I/O) make SQLite roll back the whole transaction, taking
        // the earlier jobs of this batch with it. They are reported as failed, and the
        // rest of the batch gets a fresh transaction.
        fail_range(batch, first, next, Error::unavailable("write transaction was rolled back by the engine"));
        ++next;
        aborted = true;
        break;
      }
    }
    if (aborted) continue;
    Result<void> committed = commit();
    if (committed.ok()) {
      commits_.fetch_add(1, std::memory_order_relaxed);
      metrics.commit_duration.observe(util::metrics::since_ns(began_ns));
      metrics.commit_batch.observe(next - first);
    } else {
      if (connection_.in_transaction()) log_if_failed(connection_.exec("ROLLBACK"), "ROLLBACK");
      fail_range(batch, first, next, Error::unavailable("commit failed: " + committed.error().message));
    }
  }
}

Result<void> Writer::commit() {
  if (before_commit_) {
    Result<void> finished = ok_result();
    try {
      finished = before_commit_(connection_);
    } catch (const std::exception& e) {
      finished = Error::internal(std::string("pre-commit step threw: ") + e.what());
    }
    TL_TRY(finished);
  }
  return connection_.run("COMMIT");
}

}  // namespace talkline::store::sqlite
