#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "store/postgres/connection.hpp"
#include "util/result.hpp"

namespace talkline::store::postgres {

/// A fixed set of threads, each owning one connection. Callers hand in work and block until
/// it is done, so the Store stays a synchronous interface while only pool threads ever talk
/// to the server (like the SQLite writer thread). Two kinds of work:
///
/// - a statement: one SQL statement in its own implicit transaction. A thread that finds
///   several statements queued sends them together in one pipeline — one round trip, each
///   still committed or failed alone. Most Store calls are one statement, the send included.
/// - a task: a function given the connection for several statements (a transaction).
///
/// Connections are opened lazily and replaced after a link failure. While the server is
/// unreachable, work fails with `unavailable`: after a failed connect, the whole pool
/// answers at once for a short retry interval instead of each call waiting out a connect
/// timeout; the first connect that succeeds ends that for every thread.
class ConnectionPool final : public Executor {
 public:
  using Task = std::function<Result<void>(Connection&)>;

  /// `first` (already open, may be null) becomes the first thread's connection.
  ConnectionPool(ConnectionOptions options, int threads, std::size_t max_pipeline,
                 std::unique_ptr<Connection> first = nullptr);
  ~ConnectionPool() override;
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  /// Runs one statement and returns its rows. `unavailable` once stop() has begun.
  Result<Rows> run_statement(std::string sql, Params params);
  Result<Rows> query(const std::string& sql, const Params& params) override { return run_statement(sql, params); }
  /// Runs `task` on a pool connection and returns its outcome.
  Result<void> run_task(Task task);
  /// Queues `task` like run_task() but returns at once; `done` runs on the pool thread
  /// that ran it (at once with `unavailable` once stop() has begun). `done` must not
  /// wait for the pool.
  void run_task_async(Task task, std::function<void(Result<void>)> done);

  /// Refuses new work, finishes queued work, joins the threads and closes the connections.
  void stop();

  /// Round trips made for statements, and statements sent: how well they were pipelined.
  std::uint64_t statement_round_trips() const { return round_trips_.load(std::memory_order_relaxed); }
  std::uint64_t statements_sent() const { return statements_.load(std::memory_order_relaxed); }

 private:
  struct Pending {
    Request request;  // empty sql for a task
    Task task;
    Result<Rows> rows = Rows();
    Result<void> outcome = ok_result();
    bool done = false;
    std::function<void(Result<void>)> completion;  ///< set for run_task_async; the pool then owns it
  };
  struct Worker {
    std::unique_ptr<Connection> connection;
    std::thread thread;
  };

  Result<void> submit(Pending& pending);
  void run(Worker& worker);
  Result<Connection*> connection_of(Worker& worker);
  void execute(Worker& worker, std::vector<Pending*>& batch);
  void finish(std::vector<Pending*>& batch);

  ConnectionOptions options_;
  std::size_t max_pipeline_;
  std::vector<std::unique_ptr<Worker>> workers_;

  std::mutex mutex_;
  std::condition_variable work_ready_;
  std::condition_variable work_done_;
  std::deque<Pending*> queue_;
  bool stopping_ = false;
  std::mutex outage_mutex_;
  std::chrono::steady_clock::time_point retry_at_{};
  std::optional<Error> outage_;
  std::atomic<std::uint64_t> round_trips_{0};
  std::atomic<std::uint64_t> statements_{0};
};

}  // namespace talkline::store::postgres
