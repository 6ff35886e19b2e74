#include "ratelimit/redis/redis_rate_limiter.hpp"

#include <pthread.h>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <utility>

#include "ratelimit/redis/token_bucket_script.hpp"
#include "util/log.hpp"

namespace talkline::ratelimit::redis {

namespace {

// Calls per pipeline: a long backlog goes out in slices, so a reply that never comes
// strands at most one slice (which is then decided locally).
constexpr std::size_t kBatch = 512;

std::string number(double value) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return ec == std::errc() ? std::string(buffer, end) : std::string("0");
}

std::optional<Decision> read_decision(const talkline::redis::Reply& reply) {
  if (!reply.is_array() || (reply.size() != 2 && reply.size() != 3)) return std::nullopt;
  const auto allowed = reply.at(0);
  const auto retry = reply.at(1);
  if (!allowed.is_integer() || !retry.is_integer()) return std::nullopt;
  Decision decision;
  decision.allowed = allowed.integer() == 1;
  if (!decision.allowed) {
    const long long seconds = retry.integer();
    decision.retry_after_seconds = seconds < 0 || seconds > std::numeric_limits<int>::max()
                                       ? std::numeric_limits<int>::max()
                                       : std::max(1, static_cast<int>(seconds));
  }
  return decision;
}

}  // namespace

// The rendezvous of a synchronous call. Whoever claims it first answers it: the worker
// (with Redis's decision or a local one) or the caller giving up after the timeout. So
// one call never takes tokens from two local buckets.
struct RedisRateLimiter::Waiter {
  std::mutex mutex;
  std::condition_variable answered;
  bool claimed = false;
  std::optional<Decision> decision;

  bool claim() {
    std::lock_guard lock(mutex);
    return !std::exchange(claimed, true);
  }
  bool given_up() {
    std::lock_guard lock(mutex);
    return claimed;
  }
  void set(Decision value) {
    {
      std::lock_guard lock(mutex);
      decision = value;
    }
    answered.notify_all();
  }
};

RedisRateLimiter::RedisRateLimiter(const talkline::redis::Client& client, RedisRateLimiterOptions options,
                                   const util::Clock& clock)
    : options_(std::move(options)), clock_(clock), local_(clock) {
  talkline::redis::LinkSettings link;
  link.role = "ratelimit";
  link.on_connect = [this](talkline::redis::Connection& connection) { return load_script(connection); };
  // Counted once per outage (the link tells each one once), however many calls it affects.
  link.on_change = [this](bool up) {
    if (!up) ++outages_;
  };
  link.background = true;
  link.io_timeout = options_.timeout;
  link_ = client.link(std::move(link));
  worker_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "tl-rate-limit");
    run_worker();
  });
}

RedisRateLimiter::~RedisRateLimiter() {
  stopping_ = true;
  { std::lock_guard lock(queue_mutex_); }
  queue_changed_.notify_all();
  worker_.join();
  link_->stop();
}

// ---- calls -------------------------------------------------------------------------

Decision RedisRateLimiter::acquire(std::string_view key, const Limit& limit, double cost) {
  return wait_for(Op::acquire, key, limit, cost);
}

Decision RedisRateLimiter::peek(std::string_view key, const Limit& limit, double cost) {
  return wait_for(Op::peek, key, limit, cost);
}

void RedisRateLimiter::refund(std::string_view key, const Limit& limit, double cost) {
  enqueue(Call{Op::refund, std::string(key), limit, cost, 0, {}, {}});
}

void RedisRateLimiter::acquire_async(std::string key, Limit limit, double cost, Done done) {
  if (lease_size(limit) <= 0) return enqueue(Call{Op::acquire, std::move(key), limit, cost, 0, std::move(done), {}});
  if (spend_lease(key, limit, cost)) {
    ++leased_decisions_;
    return done(Decision{});
  }
  enqueue(Call{Op::lease, std::move(key), limit, cost, 0, std::move(done), {}});
}

// ---- leases ------------------------------------------------------------------------

double RedisRateLimiter::lease_size(const Limit& limit) const {
  return std::min(static_cast<double>(std::max(options_.lease_tokens, 0)), std::floor(limit.capacity / 4));
}

// Spends held tokens of `key` if it may: none of its calls is waiting for Redis (the
// answer to this one would otherwise overtake theirs), and the lease is for the same limit
// and still current. Otherwise the call is counted as asking, and goes to Redis.
bool RedisRateLimiter::spend_lease(const std::string& key, const Limit& limit, double cost) {
  std::lock_guard lock(leases_mutex_);
  Lease& lease = leases_[key];
  const bool usable = lease.asking == 0 && lease.tokens + 1e-9 >= cost && lease.expires_ms > clock_.now_ms() &&
                      lease.limit.capacity == limit.capacity &&
                      lease.limit.refill_per_second == limit.refill_per_second;
  if (usable) {
    lease.tokens -= cost;
    return true;
  }
  ++lease.asking;
  return false;
}

// After a lease call was answered (its caller's completion already handed over, so a
// later call served from the lease cannot run before it): keeps what Redis granted.
void RedisRateLimiter::keep_lease(const Call& call, bool allowed) {
  std::lock_guard lock(leases_mutex_);
  Lease& lease = leases_[call.key];
  lease.asking = std::max(0, lease.asking - 1);
  if (!allowed || call.leased <= 0) return;
  if (lease.limit.capacity != call.limit.capacity || lease.limit.refill_per_second != call.limit.refill_per_second) {
    // Held for another limit: goes back with the next expiry sweep's refunds instead.
    if (lease.tokens > 0) {
      queue_refund_later_.push_back(Call{Op::refund, call.key, lease.limit, lease.tokens, 0, {}, {}});
    }
    lease.tokens = 0;
  }
  lease.tokens += call.leased;
  lease.limit = call.limit;
  lease.expires_ms = clock_.now_ms() + options_.lease_time.count();
}

// Gives back what expired leases still hold and forgets idle keys. On the worker.
void RedisRateLimiter::return_expired_leases() {
  std::vector<Call> refunds;
  {
    std::lock_guard lock(leases_mutex_);
    refunds.swap(queue_refund_later_);
    const auto now = clock_.now_ms();
    for (auto it = leases_.begin(); it != leases_.end();) {
      Lease& lease = it->second;
      if (lease.asking > 0 || lease.expires_ms > now) {
        ++it;
        continue;
      }
      if (lease.tokens >= 1e-9) refunds.push_back(Call{Op::refund, it->first, lease.limit, lease.tokens, 0, {}, {}});
      it = leases_.erase(it);
    }
  }
  for (auto& refund : refunds) enqueue(std::move(refund));
}

// Queues the call and waits for its answer, at most `timeout`; then answers from the
// local bucket. Without a connection there is nothing to wait for.
Decision RedisRateLimiter::wait_for(Op op, std::string_view key, const Limit& limit, double cost) {
  Call call{op, std::string(key), limit, cost, 0, {}, {}};
  if (!link_->healthy() || stopping_) return decide_locally(call);
  auto waiter = std::make_shared<Waiter>();
  call.waiter = waiter;
  enqueue(std::move(call));
  std::unique_lock lock(waiter->mutex);
  if (!waiter->answered.wait_for(lock, options_.timeout, [&] { return waiter->decision.has_value(); })) {
    if (!waiter->claimed) {
      waiter->claimed = true;
      lock.unlock();
      ++timeouts_;
      return decide_locally(Call{op, std::string(key), limit, cost, 0, {}, {}});
    }
    // The worker claimed it a moment ago and is handing the answer over.
    waiter->answered.wait(lock, [&] { return waiter->decision.has_value(); });
  }
  return *waiter->decision;
}

void RedisRateLimiter::enqueue(Call call) {
  if (!options_.server_time) call.now_ms = clock_.now_ms();
  {
    std::lock_guard lock(queue_mutex_);
    queue_.push_back(std::move(call));
  }
  queue_changed_.notify_one();
}

const char* RedisRateLimiter::op_name(Op op) {
  switch (op) {
    case Op::acquire: return "acquire";
    case Op::peek: return "peek";
    case Op::refund: return "refund";
    case Op::lease: return "lease";
  }
  return "acquire";
}

Decision RedisRateLimiter::decide_locally(const Call& call) {
  ++local_decisions_;
  switch (call.op) {
    case Op::acquire:
    case Op::lease: return local_.acquire(call.key, call.limit, call.cost);
    case Op::peek: return local_.peek(call.key, call.limit, call.cost);
    case Op::refund: local_.refund(call.key, call.limit, call.cost); return {};
  }
  return {};
}

void RedisRateLimiter::answer(Call& call, Decision decision) {
  if (call.done) {
    call.done(decision);
  } else if (call.waiter) {
    call.waiter->set(decision);
  }
}

// ---- the worker: queue -> pipeline -> answers --------------------------------------

void RedisRateLimiter::run_worker() {
  std::vector<Call> batch;
  std::vector<std::optional<Decision>> decisions;
  const bool leasing = options_.lease_tokens > 0;
  for (;;) {
    batch.clear();
    if (leasing) return_expired_leases();
    {
      std::unique_lock lock(queue_mutex_);
      const auto has_work = [&] { return stopping_ || !queue_.empty(); };
      if (leasing) {
        // Wakes now and then to give expired leases back.
        queue_changed_.wait_for(lock, options_.lease_time, has_work);
      } else {
        queue_changed_.wait(lock, has_work);
      }
      if (queue_.empty()) {
        if (stopping_) return;  // everything answered
        continue;
      }
      while (!queue_.empty() && batch.size() < kBatch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    decisions.assign(batch.size(), std::nullopt);
    auto* connection = stopping_ ? nullptr : link_->get();
    if (connection != nullptr) {
      if (connection->closed_while_idle()) {
        link_->drop("connection closed");
      } else if (!run_batch(*connection, batch, decisions)) {
        link_->drop("connection failed or no answer within the timeout");
      }
    }
    // In queue order, so that one thread's calls are answered in the order it made them.
    for (std::size_t i = 0; i < batch.size(); ++i) {
      Call& call = batch[i];
      if (decisions[i]) {
        ++redis_decisions_;
        if (!call.waiter || call.waiter->claim()) answer(call, *decisions[i]);
        if (call.op == Op::lease) keep_lease(call, decisions[i]->allowed);
        continue;
      }
      if (call.waiter && !call.waiter->claim()) continue;  // its caller decided locally already
      call.leased = 0;
      const Decision decision = decide_locally(call);
      answer(call, decision);
      if (call.op == Op::lease) keep_lease(call, decision.allowed);
    }
  }
}

// Sends the batch as one pipeline and reads every answer into `decisions`; calls Redis
// could not decide (an error reply) stay empty and are decided locally. Calls whose
// script Redis has forgotten (NOSCRIPT: a restart or SCRIPT FLUSH) are sent once more
// with the script itself. False when the connection failed.
bool RedisRateLimiter::run_batch(talkline::redis::Connection& connection, std::vector<Call>& batch,
                                 std::vector<std::optional<Decision>>& decisions) {
  std::vector<std::size_t> sent;
  sent.reserve(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (batch[i].waiter && batch[i].waiter->given_up()) continue;
    connection.append(script_call(batch[i], true));
    sent.push_back(i);
  }
  // Reads one answer per call in `calls`; collects the ones Redis had no script for.
  auto read_answers = [&](const std::vector<std::size_t>& calls, std::vector<std::size_t>* forgotten) {
    for (const std::size_t i : calls) {
      const auto reply = connection.read();
      if (reply.missing()) return false;
      if (reply.is_error()) {
        if (forgotten != nullptr && reply.text().substr(0, 8) == "NOSCRIPT") {
          forgotten->push_back(i);
        } else if (error_replies_++ % 1000 == 0) {
          // Decided locally; logged now and then, as it would repeat for every call.
          util::log::warn("ratelimit.redis_error", {{"error", reply.text()},
                                                    {"op", op_name(batch[i].op)},
                                                    {"count", static_cast<std::int64_t>(error_replies_)}});
        }
        continue;
      }
      decisions[i] = batch[i].op == Op::refund ? std::optional<Decision>(Decision{}) : read_decision(reply);
      if (decisions[i] && batch[i].op == Op::lease && reply.size() == 3 && reply.at(2).is_integer()) {
        batch[i].leased = static_cast<double>(std::max<long long>(0, reply.at(2).integer()));
      }
    }
    return true;
  };
  std::vector<std::size_t> forgotten;
  if (!read_answers(sent, &forgotten)) return false;
  if (forgotten.empty()) return true;
  for (const std::size_t i : forgotten) connection.append(script_call(batch[i], false));
  return read_answers(forgotten, nullptr);
}

std::vector<std::string> RedisRateLimiter::script_call(const Call& call, bool by_digest) const {
  return {by_digest ? "EVALSHA" : "EVAL",
          by_digest ? sha_ : std::string(kTokenBucketScript),
          "1",
          options_.key_prefix + call.key,
          op_name(call.op),
          number(call.limit.capacity),
          number(call.limit.refill_per_second),
          number(call.cost),
          options_.server_time ? std::string() : std::to_string(call.now_ms),
          std::to_string(options_.expiry_margin.count()),
          std::to_string(options_.longest_expiry.count()),
          number(call.op == Op::lease ? lease_size(call.limit) : 0)};
}

// Loads the script on a new connection (its digest is what EVALSHA names). Runs on the
// link's connector thread while the worker has no connection, which hands sha_ over.
bool RedisRateLimiter::load_script(talkline::redis::Connection& connection) {
  const auto loaded = connection.command({"SCRIPT", "LOAD", std::string(kTokenBucketScript)});
  if (loaded.missing() || loaded.is_error() || !loaded.is_string()) {
    util::log::warn("ratelimit.redis_script_load_failed", {{"error", loaded.text()}});
    return false;
  }
  sha_ = std::string(loaded.text());
  return true;
}

bool RedisRateLimiter::wait_until_healthy(std::chrono::milliseconds timeout) const {
  return link_->wait_until_healthy(timeout);
}

RedisRateLimiter::Stats RedisRateLimiter::stats() const {
  std::uint64_t unsettled = 0;
  {
    std::lock_guard lock(leases_mutex_);
    for (const auto& [key, lease] : leases_) unsettled += static_cast<std::uint64_t>(lease.asking);
  }
  return Stats{redis_decisions_, local_decisions_, outages_, timeouts_, leased_decisions_, unsettled};
}

}  // namespace talkline::ratelimit::redis
