#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "util/result.hpp"

namespace talkline::store::sqlite {

class Connection;

/// The single writer of the database. Callers hand it jobs; one thread runs every queued
/// job in one transaction (a group commit), each inside its own savepoint so that a job
/// that fails is undone alone and reports its own error. Callers are released only after
/// COMMIT has returned, so a successful submit() is durable; if COMMIT fails, every job of
/// that batch reports `unavailable`.
///
/// Batching is what makes synchronous=FULL affordable: while one batch waits for its
/// fsync, new jobs queue up and share the next one.
class Writer {
 public:
  using Job = std::function<Result<void>(Connection&)>;
  /// Told a job's outcome on the writer thread, after its batch committed or failed.
  using Completion = std::function<void(Result<void>)>;

  /// Starts the writer thread. `connection` must outlive the writer and is used only by
  /// that thread until stop() returns. `before_commit`, if set, runs in every transaction
  /// after its jobs and outside their savepoints, right before COMMIT: work that is
  /// cheaper once per transaction than once per job. If it fails, the transaction is
  /// rolled back and every job in it reports `unavailable`.
  ///
  /// `commit_window`: woken by fewer than `max_batch` jobs, the writer waits this long for
  /// more before it begins the transaction, so that light traffic still shares commits.
  Writer(Connection& connection, std::size_t max_batch, Job before_commit = {},
         std::chrono::microseconds commit_window = {});
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  /// Runs `job` in a write transaction and waits until it has committed or failed.
  /// `unavailable` once stop() has begun.
  Result<void> submit(Job job);

  /// Queues `job` like submit() but returns at once; `done` runs on the writer thread once
  /// the job's batch has committed or failed. Completions run in the order the jobs were
  /// queued, after the waiting submit() callers of the same batch were released, so a
  /// caller that queues jobs in some order sees their outcomes in that order. `done` must
  /// not block on the writer (no submit() from inside it). After stop() it runs at once
  /// with `unavailable`.
  void submit_async(Job job, Completion done);

  /// Refuses new jobs, finishes the queued ones and joins the thread. Idempotent.
  void stop();

  /// Transactions committed so far; with jobs_done(), shows how well writes are batched.
  std::uint64_t commits() const { return commits_.load(std::memory_order_relaxed); }
  /// Jobs that have reported an outcome (committed or failed).
  std::uint64_t jobs_done() const { return jobs_done_.load(std::memory_order_relaxed); }
  /// Jobs waiting for the next batch.
  std::size_t queued();

 private:
  struct Pending {
    Job job;
    Result<void> outcome;
    bool done = false;
    Completion completion;  ///< set for submit_async; the writer then owns the Pending
  };

  void run();
  /// Under mutex_: wakes the writer if it waits for what has just been queued.
  void wake_if_waiting();
  void run_batch(std::vector<Pending*>& batch);
  void finish_batch(std::vector<Pending*>& batch);
  Result<void> run_in_savepoint(Pending& pending);
  void fail_range(std::vector<Pending*>& batch, std::size_t from, std::size_t to, const Error& error);

  Result<void> commit();

  Connection& connection_;
  std::size_t max_batch_;
  Job before_commit_;

  std::mutex mutex_;
  std::condition_variable work_ready_;
  std::condition_variable work_done_;
  std::deque<Pending*> queue_;
  bool stopping_ = false;
  enum class Waiting { no, for_work, for_batch };
  Waiting waiting_ = Waiting::no;  // guarded by mutex_
  const std::chrono::microseconds commit_window_;
  std::atomic<std::uint64_t> commits_{0};
  std::atomic<std::uint64_t> jobs_done_{0};
  std::thread thread_;
};

}  // namespace talkline::store::sqlite
