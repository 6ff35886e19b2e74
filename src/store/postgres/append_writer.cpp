#include "store/postgres/append_writer.hpp"

#include <algorithm>
#include <numeric>
#include <string_view>
#include <utility>

#include <pthread.h>

#include "store/completion.hpp"
#include "store/postgres/append_batch.hpp"
#include "store/postgres/change_queries.hpp"
#include "store/postgres/conversation_queries.hpp"
#include "store/postgres/message_queries.hpp"
#include "store/postgres/message_views.hpp"
#include "store/postgres/reaction_queries.hpp"
#include "store/postgres/retention_queries.hpp"
#include "store/postgres/transaction.hpp"
#include "store/postgres/upload_queries.hpp"
#include "store/upload_rules.hpp"
#include "util/log.hpp"
#include "util/metrics/node_metrics.hpp"
#include "util/wakeup_batch.hpp"

namespace talkline::store::postgres {

namespace {

// After a failed connect the writer answers at once for this long instead of every batch
// waiting out a connect timeout.
constexpr auto kReconnectPause = std::chrono::seconds(1);

const Request kBegin{"BEGIN", Params()};
const Request kCommit{"COMMIT", Params()};

// Measured (pgbench on these pipelines, PostgreSQL CPU per send): two sends cost the same
// either way, eight cost a fifth less in one batch call.
constexpr std::size_t kSetBasedFrom = 4;

// Counts one committed transaction of `jobs` jobs, begun at `began_ns`, as the SQLite
// writer does: every transaction this writer commits, alone or grouped, and none that
// failed or rolled back, so the two backends' commit metrics mean the same.
void observe_commit(std::uint64_t began_ns, std::size_t jobs) {
  auto& metrics = util::metrics::node_metrics().store;
  metrics.commit_duration.observe(util::metrics::since_ns(began_ns));
  metrics.commit_batch.observe(jobs);
}

}  // namespace

AppendWriter::AppendWriter(ConnectionOptions options, std::size_t max_batch, std::chrono::microseconds commit_window)
    : options_(std::move(options)), max_batch_(std::max<std::size_t>(1, max_batch)), commit_window_(commit_window) {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "tl-pg-append");
    run();
  });
}

AppendWriter::~AppendWriter() { stop(); }

void AppendWriter::submit(model::NewMessage message, Done done) {
  Job job;
  job.message = std::move(message);
  job.done = std::move(done);
  enqueue(std::move(job));
}

void AppendWriter::submit_change(model::MessageChange change, ChangeDone done) {
  Job job;
  job.change = std::move(change);
  job.change_done = std::move(done);
  enqueue(std::move(job));
}

void AppendWriter::submit_expiry(model::ExpiryRequest request, ExpiryDone done) {
  Job job;
  job.expiry = std::move(request);
  job.expiry_done = std::move(done);
  enqueue(std::move(job));
}

void AppendWriter::Job::complete_with(Error error) {
  if (change) return change_done(std::move(error));
  if (expiry) return expiry_done(std::move(error));
  done(std::move(error));
}

void AppendWriter::complete(Job& job) {
  if (job.change) return complete_logged("postgres", job.change_done, std::move(job.change_outcome));
  if (job.expiry) return complete_logged("postgres", job.expiry_done, std::move(job.expiry_outcome));
  complete_logged("postgres", job.done, std::move(job.outcome));
}

void AppendWriter::enqueue(Job job) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      queue_.push_back(std::move(job));
      util::metrics::node_metrics().store.writer_queue.add(1);
      // Inside the commit window only a whole batch is worth waking the writer for.
      if (queue_.size() == 1 || queue_.size() == max_batch_) work_ready_.notify_one();
      return;
    }
  }
  job.complete_with(Error::unavailable("store is closed"));
}

void AppendWriter::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void AppendWriter::run() {
  // A failure here is not reported: the first send retries the connect and answers for it.
  (void)connection();
  std::vector<Job> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      work_ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      // As in the SQLite writer: a commit of one or two sends pays PostgreSQL's fixed cost
      // per transaction (the batch plan's start, the WAL flush) per message.
      if (!stopping_ && queue_.size() < max_batch_ && commit_window_.count() > 0) {
        work_ready_.wait_for(lock, commit_window_, [&] { return stopping_ || queue_.size() >= max_batch_; });
      }
      // Stopping still commits what was queued: those callers were accepted.
      if (queue_.empty()) return;
      if (queue_.size() <= max_batch_) {
        batch.swap(queue_);
      } else {
        std::move(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(max_batch_), std::back_inserter(batch));
        queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(max_batch_));
      }
    }
    util::metrics::node_metrics().store.writer_queue.add(-static_cast<std::int64_t>(batch.size()));
    commit_in_order(batch);
    {
      util::WakeupBatch wakeups;
      for (auto& job : batch) complete(job);
    }
    batch.clear();
  }
}

Result<Connection*> AppendWriter::connection() {
  if (connection_ && connection_->usable()) return connection_.get();
  connection_.reset();
  if (std::chrono::steady_clock::now() < retry_at_) return Error::unavailable("postgres is unreachable");
  auto opened = Connection::open(options_);
  if (!opened.ok()) {
    retry_at_ = std::chrono::steady_clock::now() + kReconnectPause;
    return opened.take_error();
  }
  connection_ = std::move(opened).value();
  warm_up(*connection_);
  return connection_.get();
}

// PostgreSQL plans a PL/pgSQL function's statements on its first call in each session,
// and the batch function's plan takes tens of milliseconds to make (measured 68 ms on
// the bench machine): made on the first batch of a busy moment, it held every send
// queued behind it past a 50 ms p99. One call with no inputs makes the plan on connect
// instead, when nothing waits for it.
void AppendWriter::warm_up(Connection& db) {
  const Request empty_batch = append_batch_request({});
  if (auto warmed = db.query(empty_batch.sql, empty_batch.params); !warmed.ok()) {
    util::log::warn("store.warm_up_failed",
                    {{"backend", "postgres"}, {"error", std::string_view(warmed.error().message)}});
  }
}

// The sends between two changes go as one group commit; each change, sweep batch and
// send that attaches uploads is a transaction of its own at its place in the queue.
void AppendWriter::commit_in_order(std::vector<Job>& batch) {
  std::size_t first = 0;
  for (std::size_t i = 0; i <= batch.size(); ++i) {
    if (i < batch.size() && !batch[i].alone()) continue;
    if (i > first) {
      commit(std::span(batch).subspan(first, i - first));
      appends_.fetch_add(i - first, std::memory_order_relaxed);
    }
    if (i < batch.size()) {
      if (batch[i].change) {
        apply_change(batch[i]);
      } else if (batch[i].expiry) {
        apply_expiry(batch[i]);
      } else {
        apply_send_with_attachments(batch[i]);
        appends_.fetch_add(1, std::memory_order_relaxed);
      }
    }
    first = i + 1;
  }
}

// Sends with attachments are few next to plain ones, and they lock upload rows the batch
// function knows nothing of, so each runs alone.
void AppendWriter::apply_send_with_attachments(Job& job) {
  auto db = connection();
  if (!db.ok()) {
    job.outcome = Error::unavailable(db.error().message);
    return;
  }
  const auto began_ns = util::metrics::now_ns();
  job.outcome = run_transaction<model::SendOutcome>(
      **db, false, [&](Executor& tx) { return insert_message_with_attachments(tx, job.message); });
  if (job.outcome.ok()) observe_commit(began_ns, 1);
  transactions_.fetch_add(1, std::memory_order_relaxed);
}

void AppendWriter::apply_change(Job& job) {
  auto db = connection();
  if (!db.ok()) {
    job.change_outcome = Error::unavailable(db.error().message);
    return;
  }
  const auto began_ns = util::metrics::now_ns();
  job.change_outcome = run_transaction<model::ChangeOutcome>(
      **db, false, [&](Executor& tx) { return record_message_change(tx, *job.change); });
  if (job.change_outcome.ok()) observe_commit(began_ns, 1);
  transactions_.fetch_add(1, std::memory_order_relaxed);
}

void AppendWriter::apply_expiry(Job& job) {
  auto db = connection();
  if (!db.ok()) {
    job.expiry_outcome = Error::unavailable(db.error().message);
    return;
  }
  const auto began_ns = util::metrics::now_ns();
  job.expiry_outcome = run_transaction<model::ExpiryOutcome>(
      **db, false, [&](Executor& tx) { return expire_messages(tx, *job.expiry); });
  if (job.expiry_outcome.ok()) observe_commit(began_ns, 1);
  transactions_.fetch_add(1, std::memory_order_relaxed);
}

void AppendWriter::commit(std::span<Job> batch) {
  auto db = connection();
  if (!db.ok()) {
    for (auto& job : batch) job.outcome = Error::unavailable(db.error().message);
    return;
  }
  // Cut the batch where a send repeats a clientMsgId or replies to a send before it in
  // the batch (a rare client retry): tl_message_append_batch treats its inputs as one set,
  // so those go in the next transaction, which sees the first one committed.
  AppendBatchKeys keys;
  std::size_t first = 0;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (keys.admits(batch[i].message)) {
      keys.add(batch[i].message);
      continue;
    }
    commit_run(**db, batch.subspan(first, i - first));
    keys.clear();
    keys.add(batch[i].message);
    first = i;
  }
  commit_run(**db, batch.subspan(first));
}

// One transaction and one round trip for `jobs`, with one sync point, so the server
// answers the lot in one send: BEGIN, the sends, COMMIT. From kSetBasedFrom sends on they
// go as one tl_message_append_batch call; fewer go as tl_message_append and a member read
// each, in conversation-id order (the lock order), because the batch statement's fixed
// cost (a larger plan to start, three tables to modify) is more than what it saves on one
// to three sends.
void AppendWriter::commit_run(Connection& db, std::span<Job> jobs) {
  if (db.broken()) {
    for (auto& job : jobs) job.outcome = Error::unavailable("postgres: the connection was lost");
    return;
  }
  const auto began_ns = util::metrics::now_ns();
  const bool set_based = jobs.size() >= kSetBasedFrom;
  std::vector<std::size_t> order(jobs.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::vector<Request> statements;
  std::vector<const model::NewMessage*> messages;
  messages.reserve(jobs.size());
  for (const auto& job : jobs) messages.push_back(&job.message);
  if (set_based) {
    statements.push_back(append_batch_request(messages));
  } else {
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return jobs[a].message.conversation_id < jobs[b].message.conversation_id;
    });
    for (std::size_t index : order) {
      statements.push_back(append_request(jobs[index].message));
      statements.push_back(Request{kMemberUserIdsSql, Params::of(jobs[index].message.conversation_id)});
    }
  }
  // The mentions go in the same transaction, after the rows they point at, and so does the
  // read of the replies' previews: no round trip of their own. `*_at` is the answer's index.
  const std::optional<Request> mentions = mention_insert_request(messages);
  const std::size_t mentions_at = statements.size() + 1;
  if (mentions) statements.push_back(*mentions);
  std::vector<model::Id> targets;
  for (const auto* message : messages) {
    if (message->reply_to) targets.push_back(*message->reply_to);
  }
  const std::optional<Request> previews = reply_preview_request(targets);
  const std::size_t previews_at = statements.size() + 1;
  if (previews) statements.push_back(*previews);
  std::vector<const Request*> requests{&kBegin};
  for (const auto& statement : statements) requests.push_back(&statement);
  requests.push_back(&kCommit);

  auto answers = db.pipeline(requests, Connection::Syncs::at_end);
  // Every answer must be fine, or the transaction did not commit what it held: a failed
  // statement aborts it, and COMMIT then rolls back without an error of its own.
  for (const auto& answer : answers) {
    if (!answer.ok()) {
      if (!db.broken()) {
        if (auto rolled_back = db.exec("ROLLBACK"); !rolled_back.ok()) {
          util::log::error("store.rollback_failed",
                           {{"backend", "postgres"}, {"error", std::string_view(rolled_back.error().message)}});
        }
      }
      if (db.broken()) {
        for (auto& job : jobs) {
          job.outcome = Error::unavailable("postgres: the send batch was lost: " + answer.error().message);
        }
        return;
      }
      return one_by_one(db, jobs);
    }
  }
  transactions_.fetch_add(1, std::memory_order_relaxed);
  observe_commit(began_ns, jobs.size());
  if (set_based) {
    auto outcomes = append_batch_outcomes(*answers[1], jobs.size());
    for (std::size_t i = 0; i < jobs.size(); ++i) jobs[i].outcome = std::move(outcomes[i]);
  } else {
    for (std::size_t i = 0; i < order.size(); ++i) {
      auto& job = jobs[order[i]];
      job.outcome = append_outcome(*answers[1 + 2 * i]);
      if (job.outcome.ok() && job.outcome->created) {
        const Rows& members = *answers[2 + 2 * i];
        job.outcome->member_ids.reserve(static_cast<std::size_t>(members.size()));
        for (int row = 0; row < members.size(); ++row) job.outcome->member_ids.push_back(members.int64(row, 0));
      }
    }
  }
  std::vector<model::Message*> created;
  for (auto& job : jobs) {
    if (job.outcome.ok() && job.outcome->created) created.push_back(&job.outcome->message);
  }
  if (mentions) assign_mentions(*answers[mentions_at], created);
  if (previews) assign_reply_previews(*answers[previews_at], created);
  with_views_of_retries(db, jobs);
}

// A retry answers with the message as it is now: reactions, mentions and reply preview; a
// new message has no reactions and got the rest in its commit. Retries are rare, so they
// cost a read only when there is one.
void AppendWriter::with_views_of_retries(Connection& db, std::span<Job> jobs) {
  std::vector<model::Message*> retried;
  for (auto& job : jobs) {
    if (job.outcome.ok() && !job.outcome->created) retried.push_back(&job.outcome->message);
  }
  if (retried.empty()) return;
  auto read = attach_views(db, retried);
  if (!read.ok()) {
    util::log::warn("store.retry_views_unread",
                    {{"backend", "postgres"}, {"error", std::string_view(read.error().message)}});
    // Without its views a retry cannot be told from a reuse of the key with other
    // attachments, and would show the message without them: the client retries again.
    for (auto& job : jobs) {
      if (job.outcome.ok() && !job.outcome->created) job.outcome = Error::unavailable(read.error().message);
    }
    return;
  }
  // These sends attach nothing, so one whose original has attachments reused its key.
  for (auto& job : jobs) {
    if (job.outcome.ok() && !job.outcome->created && !same_attachments(job.outcome->message, {})) {
      job.outcome = Error::conflict("clientMsgId was already used for a different message");
    }
  }
}

// The slow path after a batch failed: every append in arrival order, each its own
// transaction, as a single send would run. The members are then left to the caller
// (MessageService reads them), since they are no longer read inside the commit.
void AppendWriter::one_by_one(Connection& db, std::span<Job> jobs) {
  for (auto& job : jobs) {
    const auto began_ns = util::metrics::now_ns();
    job.outcome =
        run_transaction<model::SendOutcome>(db, false, [&](Executor& tx) { return insert_message(tx, job.message); });
    transactions_.fetch_add(1, std::memory_order_relaxed);
    if (job.outcome.ok()) observe_commit(began_ns, 1);
  }
}

}  // namespace talkline::store::postgres
