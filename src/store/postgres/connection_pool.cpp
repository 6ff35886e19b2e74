#include "store/postgres/connection_pool.hpp"

#include <algorithm>
#include <exception>
#include <memory>
#include <utility>

#include "store/completion.hpp"

namespace talkline::store::postgres {

namespace {

// How long the pool answers `unavailable` after a failed connect without trying again.
// Short, so service resumes quickly once the server is back.
constexpr std::chrono::milliseconds kRetryInterval{500};

}  // namespace

ConnectionPool::ConnectionPool(ConnectionOptions options, int threads, std::size_t max_pipeline,
                               std::unique_ptr<Connection> first)
    : options_(std::move(options)), max_pipeline_(std::max<std::size_t>(1, max_pipeline)) {
  for (int i = 0; i < std::max(1, threads); ++i) workers_.push_back(std::make_unique<Worker>());
  workers_.front()->connection = std::move(first);
  for (auto& worker : workers_) worker->thread = std::thread([this, w = worker.get()] { run(*w); });
}

ConnectionPool::~ConnectionPool() { stop(); }

Result<void> ConnectionPool::submit(Pending& pending) {
  std::unique_lock lock(mutex_);
  if (stopping_) return Error::unavailable("store is closed");
  queue_.push_back(&pending);
  work_ready_.notify_one();
  work_done_.wait(lock, [&] { return pending.done; });
  return ok_result();
}

Result<Rows> ConnectionPool::run_statement(std::string sql, Params params) {
  Pending pending;
  pending.request = Request{std::move(sql), std::move(params)};
  TL_TRY(submit(pending));
  return std::move(pending.rows);
}

Result<void> ConnectionPool::run_task(Task task) {
  Pending pending;
  pending.task = std::move(task);
  TL_TRY(submit(pending));
  return std::move(pending.outcome);
}

void ConnectionPool::run_task_async(Task task, std::function<void(Result<void>)> done) {
  auto pending = std::make_unique<Pending>();
  pending->task = std::move(task);
  pending->completion = std::move(done);
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      queue_.push_back(pending.release());
      work_ready_.notify_one();
      return;
    }
  }
  pending->completion(Error::unavailable("store is closed"));
}

void ConnectionPool::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  for (auto& worker : workers_) {
    if (worker->thread.joinable() && worker->thread.get_id() != std::this_thread::get_id()) worker->thread.join();
    worker->connection.reset();
  }
}

void ConnectionPool::run(Worker& worker) {
  std::vector<Pending*> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      work_ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      // Stopping still drains the queue: those callers were accepted and are waiting.
      if (queue_.empty()) return;
      batch.assign(1, queue_.front());
      queue_.pop_front();
      // Statements queued right behind a statement ride along in its pipeline; a task
      // needs the connection to itself.
      while (!batch.front()->request.sql.empty() && batch.size() < max_pipeline_ && !queue_.empty() &&
             !queue_.front()->request.sql.empty()) {
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
      if (!queue_.empty()) work_ready_.notify_one();
    }
    execute(worker, batch);
    finish(batch);
  }
}

void ConnectionPool::finish(std::vector<Pending*>& batch) { finish_batch("postgres", batch, mutex_, work_done_); }

Result<Connection*> ConnectionPool::connection_of(Worker& worker) {
  if (worker.connection && worker.connection->usable()) return worker.connection.get();
  worker.connection.reset();
  {
    std::lock_guard lock(outage_mutex_);
    if (outage_ && std::chrono::steady_clock::now() < retry_at_) return *outage_;
  }
  Result<std::unique_ptr<Connection>> opened = Connection::open(options_);
  std::lock_guard lock(outage_mutex_);
  if (!opened.ok()) {
    retry_at_ = std::chrono::steady_clock::now() + kRetryInterval;
    outage_ = opened.take_error();
    return *outage_;
  }
  outage_.reset();
  worker.connection = std::move(opened).value();
  return worker.connection.get();
}

void ConnectionPool::execute(Worker& worker, std::vector<Pending*>& batch) {
  Result<Connection*> connection = connection_of(worker);
  if (!connection.ok()) {
    for (Pending* pending : batch) {
      pending->rows = connection.error();
      pending->outcome = connection.error();
    }
    return;
  }
  Connection& db = **connection;
  Pending& first = *batch.front();
  if (first.request.sql.empty()) {
    try {
      first.outcome = first.task(db);
    } catch (const std::exception& e) {
      first.outcome = Error::internal(std::string("postgres task threw: ") + e.what());
    }
    return;
  }
  round_trips_.fetch_add(1, std::memory_order_relaxed);
  statements_.fetch_add(batch.size(), std::memory_order_relaxed);
  if (batch.size() == 1) {
    first.rows = db.query(first.request.sql, first.request.params);
    return;
  }
  std::vector<const Request*> requests;
  for (Pending* pending : batch) requests.push_back(&pending->request);
  std::vector<Result<Rows>> answers = db.pipeline(requests);
  for (std::size_t i = 0; i < batch.size(); ++i) batch[i]->rows = std::move(answers[i]);
}

}  // namespace talkline::store::postgres
