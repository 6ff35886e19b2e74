#include "presence/redis/redis_presence_directory.hpp"

#include <pthread.h>
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <optional>
#include <random>
#include <utility>

#include "presence/redis/presence_scripts.hpp"
#include "util/log.hpp"

namespace talkline::presence::redis {

namespace {

using SteadyClock = std::chrono::steady_clock;
using talkline::redis::Reply;

// Expired entries one sweep script claims, and scripts per sweep tick: a node that
// died holding many users is cleared in slices without holding Redis for long.
constexpr std::size_t kSweepLimit = 1000;
constexpr int kSweepRounds = 10;

std::string random_token() {
  std::random_device device;
  const std::uint64_t value = (static_cast<std::uint64_t>(device()) << 32) ^ device();
  char text[17];
  std::snprintf(text, sizeof(text), "%016llx", static_cast<unsigned long long>(value));
  return text;
}

std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// True when `reply` is no answer: the connection broke, or Redis refused the script
// (NOSCRIPT after a SCRIPT FLUSH, a busy or read-only server). Either way the
// connection is made again, which also loads the scripts again.
bool failed(const Reply& reply, std::string_view what) {
  if (reply.missing()) return true;
  if (reply.is_error()) {
    util::log::warn("presence.redis_error", {{"command", what}, {"error", reply.text()}});
    return true;
  }
  return false;
}

std::string number(std::int64_t value) { return std::to_string(value); }

}  // namespace

RedisPresenceDirectory::RedisPresenceDirectory(const talkline::redis::Client& client, RedisPresenceOptions options)
    : options_(std::move(options)),
      node_(random_token()),
      user_prefix_(options_.key_prefix + "p:"),
      seen_prefix_(options_.key_prefix + "p:seen:"),
      expiry_key_(options_.key_prefix + "p:expiry") {
  link_ =
      client.link({.role = "presence", .on_connect = [this](Connection& connection) { return connected(connection); }});
  worker_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "tl-presence");
    run();
  });
}

RedisPresenceDirectory::~RedisPresenceDirectory() {
  stopping_ = true;
  { std::lock_guard lock(mutex_); }
  work_.notify_all();
  link_->stop();
  worker_.join();
  Batch rest;
  {
    std::lock_guard lock(mutex_);
    rest = std::move(queue_);
    connected_ = false;
  }
  answer_guesses(rest);
}

// ---- the callers' side -------------------------------------------------------------

void RedisPresenceDirectory::node_online(Id user, Done done) {
  std::unique_lock lock(mutex_);
  if (++held_[user] != 1) {
    lock.unlock();
    done(false);
    return;
  }
  if (connected_) {
    queue_.changes.push_back(Change{user, true, 0, std::move(done)});
    lock.unlock();
    work_.notify_one();
    return;
  }
  dirty_[user] = 0;
  guessed_online_.insert(user);
  lock.unlock();
  done(true);
}

void RedisPresenceDirectory::node_offline(Id user, Millis at, Done done) {
  std::unique_lock lock(mutex_);
  auto it = held_.find(user);
  if (it == held_.end() || --it->second > 0) {
    lock.unlock();
    done(false);
    return;
  }
  held_.erase(it);
  if (connected_) {
    queue_.changes.push_back(Change{user, false, at, std::move(done)});
    lock.unlock();
    work_.notify_one();
    return;
  }
  dirty_[user] = at;
  guessed_online_.erase(user);
  lock.unlock();
  done(true);
}

std::vector<Id> RedisPresenceDirectory::offline_among(const std::vector<Id>& users) {
  if (users.empty()) return {};
  auto query = std::make_shared<Query>();
  query->users = users;
  auto answer = query->online.get_future();
  {
    std::unique_lock lock(mutex_);
    if (!connected_) {
      lock.unlock();
      return offline_here(users);
    }
    queue_.queries.push_back(query);
  }
  work_.notify_one();
  // The worker may be in the middle of a heartbeat or a sweep before it gets to this.
  if (answer.wait_for(link_->timeouts().io_timeout * 2) != std::future_status::ready) return offline_here(users);
  const auto online = answer.get();
  if (online.size() != users.size()) return offline_here(users);  // answered by a guess
  std::vector<Id> offline;
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < users.size(); ++i) {
    if (!online[i] && !held_.contains(users[i])) offline.push_back(users[i]);
  }
  return offline;
}

std::vector<Id> RedisPresenceDirectory::offline_here(const std::vector<Id>& users) {
  std::vector<Id> offline;
  std::lock_guard lock(mutex_);
  for (auto user : users) {
    if (!held_.contains(user)) offline.push_back(user);
  }
  return offline;
}

void RedisPresenceDirectory::on_expired(ExpiredHandler handler) {
  std::lock_guard lock(mutex_);
  expired_handler_ = std::move(handler);
}

void RedisPresenceDirectory::on_restored(RestoredHandler handler) {
  std::lock_guard lock(mutex_);
  restored_handler_ = std::move(handler);
}

bool RedisPresenceDirectory::healthy() const { return link_->healthy(); }

bool RedisPresenceDirectory::wait_until_healthy(std::chrono::milliseconds timeout) const {
  return link_->wait_until_healthy(timeout);
}

// ---- the worker thread -------------------------------------------------------------

void RedisPresenceDirectory::run() {
  while (auto* connection = link_->wait()) session(*connection);
}

// A new connection counts as up once it has the scripts and Redis matches this node.
bool RedisPresenceDirectory::connected(Connection& connection) {
  return load_scripts(connection) && reconcile(connection);
}

bool RedisPresenceDirectory::load_scripts(Connection& connection) {
  const std::pair<std::string_view, std::string*> all[] = {{scripts::kOnline, &online_sha_},
                                                           {scripts::kOffline, &offline_sha_},
                                                           {scripts::kHeartbeat, &heartbeat_sha_},
                                                           {scripts::kSweep, &sweep_sha_},
                                                           {scripts::kQuery, &query_sha_}};
  for (const auto& [text, sha] : all) connection.append({"SCRIPT", "LOAD", std::string(text)});
  bool ok = true;
  for (const auto& [text, sha] : all) {
    auto reply = connection.read();
    if (failed(reply, "SCRIPT LOAD") || !reply.is_string()) {
      ok = false;
      continue;
    }
    *sha = std::string(reply.text());
  }
  return ok;
}

// Brings Redis in line with this node after a (re)connection: users let go meanwhile
// are removed, users held are added (or refreshed). Rounds repeat until no change
// arrived meanwhile; the last one switches callers over to queueing, under the same
// lock, so no change falls between.
bool RedisPresenceDirectory::reconcile(Connection& connection) {
  confirmed_.clear();
  for (;;) {
    std::unordered_map<Id, Millis> taken;
    std::unordered_set<Id> announced;
    std::vector<Id> add;
    std::vector<std::pair<Id, Millis>> remove;
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return false;
      if (dirty_.empty()) {
        connected_ = true;
        return true;
      }
      taken.swap(dirty_);
      announced.swap(guessed_online_);
      for (const auto& [user, at] : taken) {
        if (held_.contains(user)) {
          add.push_back(user);
        } else {
          remove.emplace_back(user, at);
        }
      }
    }
    for (const auto& [user, at] : remove) {
      connection.append({"EVALSHA", offline_sha_, "3", user_key(user), seen_prefix_ + number(user), expiry_key_, node_,
                         number(user), number(at), number(options_.ttl.count() * 3)});
    }
    bool ok = true;
    for (std::size_t i = 0; i < remove.size() && ok; ++i) ok = !failed(connection.read(), "offline");
    std::vector<Id> lost;
    if (ok) ok = refresh(connection, add, lost);
    if (!ok) {
      std::lock_guard lock(mutex_);
      for (const auto& [user, at] : taken) dirty_.try_emplace(user, at);
      guessed_online_.merge(announced);
      return false;
    }
    confirmed_.insert(add.begin(), add.end());
    report_restored(lost, announced);
  }
}

// Serves one connection until it breaks or the directory stops: queued changes and
// queries as they come, a heartbeat every ttl/3, a sweep every sweep_interval.
void RedisPresenceDirectory::session(Connection& connection) {
  const auto heartbeat_every = std::max(options_.ttl / 3, std::chrono::milliseconds(1));
  auto next_heartbeat = SteadyClock::now() + heartbeat_every;
  auto next_sweep = SteadyClock::now();
  while (!stopping_) {
    Batch batch;
    {
      std::unique_lock lock(mutex_);
      work_.wait_until(lock, std::min(next_heartbeat, next_sweep),
                       [&] { return stopping_ || !queue_.changes.empty() || !queue_.queries.empty(); });
      if (stopping_) return;
      std::swap(batch, queue_);
    }
    if ((!batch.changes.empty() || !batch.queries.empty()) && !apply(connection, batch)) {
      lost(std::move(batch));
      return;
    }
    const auto now = SteadyClock::now();
    if (now >= next_heartbeat) {
      if (!heartbeat(connection)) {
        lost({});
        return;
      }
      next_heartbeat = now + heartbeat_every;
    }
    if (now >= next_sweep) {
      if (!sweep(connection)) {
        lost({});
        return;
      }
      next_sweep = now + options_.sweep_interval;
    }
  }
}

// One script per change and per slice of a query, in one pipeline. Answers what got
// a reply; on failure leaves in `batch` only what did not, for disconnected().
bool RedisPresenceDirectory::apply(Connection& connection, Batch& batch) {
  for (const auto& change : batch.changes) {
    const auto user = number(change.user);
    if (change.online) {
      connection.append(
          {"EVALSHA", online_sha_, "2", user_key(change.user), expiry_key_, node_, number(options_.ttl.count()), user});
    } else {
      connection.append({"EVALSHA", offline_sha_, "3", user_key(change.user), seen_prefix_ + user, expiry_key_, node_,
                         user, number(change.at), number(options_.ttl.count() * 3)});
    }
  }
  const std::size_t slice = std::max<std::size_t>(options_.users_per_call, 1);
  for (const auto& query : batch.queries) {
    for (std::size_t from = 0; from < query->users.size(); from += slice) {
      std::vector<std::string> argv{"EVALSHA", query_sha_, "0", user_prefix_};
      const auto to = std::min(query->users.size(), from + slice);
      for (auto i = from; i < to; ++i) argv.push_back(number(query->users[i]));
      connection.append(argv);
    }
  }

  bool ok = true;
  std::vector<int> answers(batch.changes.size(), -1);
  for (std::size_t i = 0; i < batch.changes.size() && ok; ++i) {
    auto reply = connection.read();
    if (failed(reply, batch.changes[i].online ? "online" : "offline")) {
      ok = false;
      break;
    }
    answers[i] = reply.integer() == 1 ? 1 : 0;
  }
  std::vector<std::shared_ptr<Query>> answered_queries;
  std::size_t next_query = 0;
  for (; ok && next_query < batch.queries.size(); ++next_query) {
    auto& query = *batch.queries[next_query];
    std::vector<bool> online;
    online.reserve(query.users.size());
    for (std::size_t from = 0; from < query.users.size() && ok; from += slice) {
      auto reply = connection.read();
      if (failed(reply, "query")) {
        ok = false;
        break;
      }
      for (std::size_t i = 0; i < reply.size(); ++i) online.push_back(reply.at(i).integer() == 1);
    }
    if (!ok) break;
    query.online.set_value(std::move(online));
  }

  // Answer outside the lock, in the order the changes were made.
  Batch unanswered;
  for (std::size_t i = 0; i < batch.changes.size(); ++i) {
    auto& change = batch.changes[i];
    if (answers[i] < 0) {
      unanswered.changes.push_back(std::move(change));
      continue;
    }
    if (change.online) {
      confirmed_.insert(change.user);
    } else {
      confirmed_.erase(change.user);
    }
    change.done(answers[i] == 1);
  }
  for (auto i = next_query; i < batch.queries.size(); ++i) unanswered.queries.push_back(std::move(batch.queries[i]));
  batch = std::move(unanswered);
  return ok;
}

bool RedisPresenceDirectory::heartbeat(Connection& connection) {
  const std::vector<Id> users(confirmed_.begin(), confirmed_.end());
  std::vector<Id> lost;
  if (!refresh(connection, users, lost)) return false;
  report_restored(lost, {});
  return true;
}

// Adds or refreshes this node's entries of `users`, in slices, pipelined. `lost`
// gets the users whose entry was gone with no other holder left.
bool RedisPresenceDirectory::refresh(Connection& connection, const std::vector<Id>& users, std::vector<Id>& lost) {
  const std::size_t slice = std::max<std::size_t>(options_.users_per_call, 1);
  std::size_t calls = 0;
  for (std::size_t from = 0; from < users.size(); from += slice) {
    std::vector<std::string> argv{
        "EVALSHA", heartbeat_sha_, "1", expiry_key_, user_prefix_, node_, number(options_.ttl.count())};
    const auto to = std::min(users.size(), from + slice);
    for (auto i = from; i < to; ++i) argv.push_back(number(users[i]));
    connection.append(argv);
    ++calls;
  }
  for (std::size_t i = 0; i < calls; ++i) {
    auto reply = connection.read();
    if (failed(reply, "heartbeat")) return false;
    for (std::size_t j = 0; j < reply.size(); ++j) {
      if (auto user = parse_int(reply.at(j).text())) lost.push_back(*user);
    }
  }
  return true;
}

bool RedisPresenceDirectory::sweep(Connection& connection) {
  for (int round = 0; round < kSweepRounds; ++round) {
    auto reply = connection.command({"EVALSHA", sweep_sha_, "1", expiry_key_, user_prefix_, seen_prefix_,
                                     number(static_cast<std::int64_t>(kSweepLimit)), number(options_.ttl.count())});
    if (failed(reply, "sweep")) return false;
    std::vector<std::pair<Id, Millis>> expired;
    for (std::size_t i = 1; i + 1 < reply.size(); i += 2) {
      auto user = parse_int(reply.at(i).text());
      auto last_seen = parse_int(reply.at(i + 1).text());
      if (user && last_seen) expired.emplace_back(*user, *last_seen);
    }
    if (!expired.empty()) {
      ExpiredHandler handler;
      {
        std::lock_guard lock(mutex_);
        handler = expired_handler_;
      }
      util::log::info("presence.expired", {{"users", static_cast<std::int64_t>(expired.size())}});
      if (handler) {
        for (const auto& [user, last_seen] : expired) handler(user, last_seen);
      }
    }
    if (static_cast<std::size_t>(reply.at(0).integer()) < kSweepLimit) break;
  }
  return true;
}

// Users still held here whose entry had been lost are announced online again, unless
// a guess announced them already while Redis was away.
void RedisPresenceDirectory::report_restored(const std::vector<Id>& lost, const std::unordered_set<Id>& announced) {
  if (lost.empty()) return;
  std::vector<Id> restored;
  RestoredHandler handler;
  {
    std::lock_guard lock(mutex_);
    handler = restored_handler_;
    for (auto user : lost) {
      if (held_.contains(user) && !announced.contains(user)) restored.push_back(user);
    }
  }
  if (!restored.empty()) util::log::info("presence.restored", {{"users", static_cast<std::int64_t>(restored.size())}});
  if (!handler) return;
  for (auto user : restored) handler(user);
}

// The link goes down before anyone is answered by a guess, so an answered caller never
// sees the directory still healthy.
void RedisPresenceDirectory::lost(Batch unanswered) {
  link_->drop("no answer or an error reply");
  disconnected(std::move(unanswered));
}

// The connection broke: from now on callers get guesses. Everything held is marked
// for reconciliation, and so is every change whose outcome is unknown.
void RedisPresenceDirectory::disconnected(Batch unanswered) {
  {
    std::lock_guard lock(mutex_);
    connected_ = false;
    for (auto& change : queue_.changes) unanswered.changes.push_back(std::move(change));
    for (auto& query : queue_.queries) unanswered.queries.push_back(std::move(query));
    queue_ = {};
    for (const auto& [user, count] : held_) dirty_.try_emplace(user, 0);
    for (const auto& change : unanswered.changes) {
      if (change.online) {
        guessed_online_.insert(change.user);
      } else {
        dirty_[change.user] = change.at;
      }
    }
  }
  confirmed_.clear();
  answer_guesses(unanswered);
}

// Every queued change moved a count from or to zero here, so the best guess is "yes".
void RedisPresenceDirectory::answer_guesses(Batch& batch) {
  for (auto& change : batch.changes) change.done(true);
  for (auto& query : batch.queries) query->online.set_value({});
  batch = {};
}

std::string RedisPresenceDirectory::user_key(Id user) const { return user_prefix_ + number(user); }

}  // namespace talkline::presence::redis
