#include "bus/redis/redis_bus.hpp"

#include <pthread.h>
#include <hiredis/hiredis.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <random>
#include <stdexcept>
#include <utility>

#include "bus/redis/envelope_codec.hpp"
#include "util/log.hpp"
#include "util/metrics/node_metrics.hpp"
#include "util/wakeup_batch.hpp"

namespace talkline::bus::redis {

namespace {

using Clock = std::chrono::steady_clock;

// Channels per SUBSCRIBE / UNSUBSCRIBE command, and what one publisher turn takes
// from the queue at most (so a long outage's backlog goes out in slices).
constexpr std::size_t kChannelsPerCommand = 256;
constexpr std::size_t kBatchBytes = std::size_t{4} << 20;
// Bytes a queued PUBLISH costs beyond its payload (channel name, argv, bookkeeping).
constexpr std::size_t kPerRecipientCost = 64;

std::uint64_t random_origin() {
  std::random_device device;
  std::uint64_t value = 0;
  while (value == 0) value = (static_cast<std::uint64_t>(device()) << 32) ^ device();
  return value;
}

struct ReplyFree {
  void operator()(void* reply) const { freeReplyObject(reply); }
};
using ReplyPtr = std::unique_ptr<void, ReplyFree>;

std::string_view text_of(const redisReply* reply) {
  return reply != nullptr && reply->str != nullptr ? std::string_view(reply->str, reply->len) : std::string_view();
}

// Writes everything hiredis has buffered for `context`; false on an error.
bool flush(redisContext* context) {
  int done = 0;
  while (done == 0) {
    if (redisBufferWrite(context, &done) != REDIS_OK) return false;
  }
  return true;
}

}  // namespace

RedisBus::RedisBus(const talkline::redis::Client& client, RedisBusOptions options)
    : options_(std::move(options)), origin_(random_origin()), user_prefix_(options_.channel_prefix + "u:") {
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) throw std::runtime_error("redis bus: eventfd failed");
  publisher_link_ = client.link({.role = "bus.publisher"});
  // The interest is asked for again as the connection's set-up, so the link counts as up
  // (healthy(), wait_until_healthy()) only once await_interest() waits for subscriptions
  // again: an answer before that would let the first publish after it be missed.
  subscriber_link_ = client.link({.role = "bus.subscriber", .on_connect = [this](talkline::redis::Connection&) {
                                    subscriber_started();
                                    return true;
                                  }});
  publisher_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "tl-bus-publish");
    run_publisher();
  });
  subscriber_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "tl-bus-receive");
    run_subscriber();
  });
}

RedisBus::~RedisBus() {
  stopping_ = true;
  { std::lock_guard lock(queue_mutex_); }
  queue_changed_.notify_all();
  publisher_link_->stop();
  subscriber_link_->stop();
  wake_subscriber();
  publisher_.join();
  subscriber_.join();
  close(wake_fd_);
}

std::string RedisBus::channel_of(model::Id user_id) const { return user_prefix_ + std::to_string(user_id); }

// ---- publishing ------------------------------------------------------------------

void RedisBus::publish(const Envelope& envelope) {
  // This node's own connections get it now; the Redis echo is skipped by origin.
  deliver(envelope);

  std::vector<model::Id> users;
  users.reserve(envelope.user_ids.size());
  {
    std::unordered_set<model::Id> seen;
    for (auto user : envelope.user_ids) {
      if (seen.insert(user).second) users.push_back(user);
    }
  }
  if (users.empty()) return;
  auto bytes = std::make_shared<const std::string>(encode_envelope(envelope, origin_, false));
  const std::size_t cost = bytes->size() + users.size() * kPerRecipientCost;
  {
    std::lock_guard lock(queue_mutex_);
    if (queued_bytes_ + cost <= options_.max_queued_bytes) {
      queued_bytes_ += cost;
      queue_.push_back(Outgoing{std::move(bytes), std::move(users), cost, util::metrics::now_ns()});
      queue_changed_.notify_one();
      return;
    }
  }
  const auto dropped = dropped_.fetch_add(1);
  if (dropped % 1000 == 0) {
    util::log::warn("bus.redis_queue_full",
                    {{"dropped_total", static_cast<std::int64_t>(dropped + 1)},
                     {"max_queued_bytes", static_cast<std::int64_t>(options_.max_queued_bytes)}});
  }
}

void RedisBus::run_publisher() {
  std::deque<Outgoing> batch;
  while (auto* connection = publisher_link_->wait()) {
    if (!take_batch(batch)) return;
    if (connection->closed_while_idle()) {
      // Put the batch back: it was never written.
      std::lock_guard lock(queue_mutex_);
      for (auto it = batch.rbegin(); it != batch.rend(); ++it) {
        queued_bytes_ += it->cost;
        queue_.push_front(std::move(*it));
      }
      batch.clear();
      publisher_link_->drop("closed by Redis while idle");
      continue;
    }
    if (!publish_batch(connection->context(), batch)) publisher_link_->drop("publish failed");
    batch.clear();
  }
}

// Waits for something to publish and takes everything queued, up to a slice: one
// write, then the replies. False when the bus stops.
bool RedisBus::take_batch(std::deque<Outgoing>& batch) {
  std::unique_lock lock(queue_mutex_);
  queue_changed_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
  if (stopping_) return false;
  std::size_t taken = 0;
  while (!queue_.empty() && (batch.empty() || taken + queue_.front().cost <= kBatchBytes)) {
    taken += queue_.front().cost;
    batch.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  queued_bytes_ -= taken;
  return true;
}

// Queues one PUBLISH per recipient channel, writes them all, then reads every reply.
// On a connection error the whole batch counts as dropped (some of it may have gone).
bool RedisBus::publish_batch(redisContext* context, std::deque<Outgoing>& batch) {
  std::size_t commands = 0;
  std::string channel;
  for (const auto& item : batch) {
    for (auto user : item.user_ids) {
      channel = channel_of(user);
      const char* argv[] = {"PUBLISH", channel.data(), item.bytes->data()};
      const std::size_t lengths[] = {7, channel.size(), item.bytes->size()};
      redisAppendCommandArgv(context, 3, argv, lengths);
      ++commands;
    }
  }
  bool ok = flush(context);
  // The oldest envelope's wait stands for the batch: one observation per write.
  if (ok && !batch.empty()) {
    util::metrics::node_metrics().bus.publish_lag.observe(util::metrics::since_ns(batch.front().queued_ns));
  }
  std::size_t accepted = 0;
  for (std::size_t i = 0; ok && i < commands; ++i) {
    void* raw = nullptr;
    if (redisGetReply(context, &raw) != REDIS_OK || raw == nullptr) {
      ok = false;
      break;
    }
    ReplyPtr reply(raw);
    if (static_cast<redisReply*>(raw)->type == REDIS_REPLY_ERROR) {
      util::log::warn("bus.redis_publish_error", {{"error", text_of(static_cast<redisReply*>(raw))}});
    } else {
      ++accepted;
    }
  }
  published_ += accepted;
  if (!ok) {
    dropped_ += batch.size();
    util::log::warn("bus.redis_publish_failed", {{"error", std::string_view(context->errstr)},
                                                 {"envelopes", static_cast<std::int64_t>(batch.size())}});
  }
  return ok;
}

// ---- interest --------------------------------------------------------------------

void RedisBus::add_interest(model::Id user_id) {
  {
    std::lock_guard lock(interest_mutex_);
    if (++interest_[user_id] != 1) return;
    changed_.insert(user_id);
  }
  wake_subscriber();
}

void RedisBus::remove_interest(model::Id user_id) {
  std::vector<std::function<void()>> waiting;
  {
    std::lock_guard lock(interest_mutex_);
    auto it = interest_.find(user_id);
    if (it == interest_.end() || --it->second > 0) return;
    interest_.erase(it);
    changed_.insert(user_id);
    if (auto w = waiters_.find(user_id); w != waiters_.end()) {
      waiting = std::move(w->second);
      waiters_.erase(w);
    }
  }
  wake_subscriber();
  for (auto& ready : waiting) ready();
}

void RedisBus::await_interest(model::Id user_id, std::function<void()> ready) {
  {
    std::lock_guard lock(interest_mutex_);
    // Not connected: there is nothing to wait for (and `sync` covers the outage).
    const bool wait = subscriber_up_ && interest_.contains(user_id) && !subscribed_.contains(user_id);
    if (wait) {
      waiters_[user_id].push_back(std::move(ready));
      return;
    }
  }
  ready();
}

void RedisBus::wake_subscriber() {
  const std::uint64_t one = 1;
  [[maybe_unused]] auto written = write(wake_fd_, &one, sizeof(one));
}

// ---- subscribing -----------------------------------------------------------------

void RedisBus::run_subscriber() {
  while (auto* connection = subscriber_link_->wait()) {
    subscriber_session(connection->context());
    subscriber_ended();
    if (stopping_) return;
    subscriber_link_->drop("subscriber connection failed");
  }
}

// A new connection has no subscriptions: every current interest is asked for again.
void RedisBus::subscriber_started() {
  requested_.clear();
  pending_.clear();
  std::lock_guard lock(interest_mutex_);
  subscriber_up_ = true;
  subscribed_.clear();
  for (const auto& [user, count] : interest_) changed_.insert(user);
}

// Whoever waits for a subscription stops waiting: there is none to wait for now.
void RedisBus::subscriber_ended() {
  std::unordered_map<model::Id, std::vector<std::function<void()>>> waiting;
  {
    std::lock_guard lock(interest_mutex_);
    subscriber_up_ = false;
    subscribed_.clear();
    waiting.swap(waiters_);
  }
  for (auto& [user, list] : waiting) {
    for (auto& ready : list) ready();
  }
}

// Runs one connection until it fails or the bus stops: (un)subscribes as interest
// changes, reads and delivers, and PINGs when the line is quiet to notice a Redis
// that stopped answering.
void RedisBus::subscriber_session(redisContext* context) {
  auto last_read = Clock::now();
  std::optional<Clock::time_point> ping_sent;
  const auto quiet = std::max(subscriber_link_->timeouts().io_timeout / 3, std::chrono::milliseconds(1));
  std::vector<void*> replies;
  while (!stopping_) {
    if (!reconcile(context)) return;
    pollfd fds[2] = {{context->fd, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    const int ready = poll(fds, 2, static_cast<int>(quiet.count()));
    if (stopping_) return;
    if (ready < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if ((fds[1].revents & POLLIN) != 0) {
      std::uint64_t count = 0;
      [[maybe_unused]] auto got = read(wake_fd_, &count, sizeof(count));
    }
    if ((fds[0].revents & (POLLIN | POLLERR | POLLHUP)) != 0) {
      if (redisBufferRead(context) != REDIS_OK) {
        util::log::warn("bus.redis_read_failed", {{"error", std::string_view(context->errstr)}});
        return;
      }
      last_read = Clock::now();
      ping_sent.reset();
      for (;;) {
        void* reply = nullptr;
        if (redisGetReplyFromReader(context, &reply) != REDIS_OK) return;
        if (reply == nullptr) break;
        replies.push_back(reply);
      }
      handle_replies(replies);
      continue;
    }
    const auto now = Clock::now();
    if (ping_sent) {
      if (now - *ping_sent > subscriber_link_->timeouts().io_timeout) {
        util::log::warn("bus.redis_timeout", {{"role", "subscriber"}});
        return;
      }
    } else if (now - last_read >= quiet) {
      redisAppendCommand(context, "PING");
      if (!flush(context)) return;
      ping_sent = now;
    }
  }
}

// Sends the SUBSCRIBE and UNSUBSCRIBE commands that bring the connection in line with
// the users whose interest changed since the last call.
bool RedisBus::reconcile(redisContext* context) {
  std::vector<model::Id> subscribe;
  std::vector<model::Id> unsubscribe;
  {
    std::lock_guard lock(interest_mutex_);
    if (changed_.empty()) return true;
    for (auto user : changed_) {
      const bool want = interest_.contains(user);
      const bool have = requested_.contains(user);
      if (want && !have) subscribe.push_back(user);
      if (!want && have) {
        unsubscribe.push_back(user);
        subscribed_.erase(user);
      }
    }
    changed_.clear();
  }
  auto send = [&](const char* command, const std::vector<model::Id>& users) {
    for (std::size_t from = 0; from < users.size(); from += kChannelsPerCommand) {
      const std::size_t to = std::min(users.size(), from + kChannelsPerCommand);
      std::vector<std::string> channels;
      std::vector<const char*> argv{command};
      std::vector<std::size_t> lengths{std::char_traits<char>::length(command)};
      channels.reserve(to - from);
      for (std::size_t i = from; i < to; ++i) channels.push_back(channel_of(users[i]));
      for (const auto& channel : channels) {
        argv.push_back(channel.data());
        lengths.push_back(channel.size());
      }
      redisAppendCommandArgv(context, static_cast<int>(argv.size()), argv.data(), lengths.data());
    }
  };
  send("SUBSCRIBE", subscribe);
  send("UNSUBSCRIBE", unsubscribe);
  for (auto user : subscribe) {
    requested_.insert(user);
    ++pending_[user];
  }
  for (auto user : unsubscribe) requested_.erase(user);
  return flush(context);
}

// Handles what one read brought, in order: messages are collected and delivered
// together, confirmations release the connections waiting for them.
void RedisBus::handle_replies(std::vector<void*>& replies) {
  std::vector<std::pair<model::Id, std::string>> messages;
  auto user_of = [&](std::string_view channel, model::Id& user) {
    if (channel.substr(0, user_prefix_.size()) != user_prefix_) return false;
    channel.remove_prefix(user_prefix_.size());
    auto [end, ec] = std::from_chars(channel.data(), channel.data() + channel.size(), user);
    return ec == std::errc() && end == channel.data() + channel.size();
  };
  for (void* raw : replies) {
    ReplyPtr owner(raw);
    const auto* reply = static_cast<const redisReply*>(raw);
    if (reply->type == REDIS_REPLY_ERROR) {
      util::log::warn("bus.redis_error", {{"error", text_of(reply)}});
      continue;
    }
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 2) continue;  // +PONG and the like
    const std::string_view kind = text_of(reply->element[0]);
    model::Id user = 0;
    if (kind == "message" && reply->elements == 3) {
      if (user_of(text_of(reply->element[1]), user))
        messages.emplace_back(user, std::string(text_of(reply->element[2])));
    } else if (kind == "subscribe") {
      if (!user_of(text_of(reply->element[1]), user)) continue;
      deliver_remote(messages);  // what came before the confirmation goes first
      messages.clear();
      confirmed(user);
    }
  }
  replies.clear();
  deliver_remote(messages);
}

// A SUBSCRIBE for `user_id` took effect; once none is outstanding and the user is
// still wanted, the connections waiting on it may start catching up.
void RedisBus::confirmed(model::Id user_id) {
  auto it = pending_.find(user_id);
  if (it == pending_.end() || --it->second > 0) return;
  pending_.erase(it);
  if (!requested_.contains(user_id)) return;
  std::vector<std::function<void()>> waiting;
  {
    std::lock_guard lock(interest_mutex_);
    subscribed_.insert(user_id);
    if (auto w = waiters_.find(user_id); w != waiters_.end()) {
      waiting = std::move(w->second);
      waiters_.erase(w);
    }
  }
  for (auto& ready : waiting) ready();
}

// Decodes and delivers messages from other nodes. A publisher sends one envelope to
// several user channels back to back with the same bytes, so runs of equal bytes
// become one envelope naming all of those users.
void RedisBus::deliver_remote(std::vector<std::pair<model::Id, std::string>>& messages) {
  if (messages.empty()) return;
  {
    // Drop what arrived for users no longer wanted here (in flight at the UNSUBSCRIBE).
    std::lock_guard lock(interest_mutex_);
    std::erase_if(messages, [&](const auto& message) { return !interest_.contains(message.first); });
  }
  std::vector<Envelope> envelopes;
  const std::string* last_bytes = nullptr;
  bool last_kept = false;
  for (const auto& [user, bytes] : messages) {
    if (last_bytes != nullptr && *last_bytes == bytes) {
      auto& users = envelopes.back().user_ids;
      if (last_kept && std::find(users.begin(), users.end(), user) == users.end()) {
        users.push_back(user);
        continue;
      }
      if (!last_kept) continue;
    }
    last_bytes = &bytes;
    last_kept = false;
    auto wire = decode_envelope(bytes);
    if (!wire) {
      util::log::warn("bus.redis_bad_envelope", {{"bytes", static_cast<std::int64_t>(bytes.size())}});
      last_bytes = nullptr;
      continue;
    }
    if (wire->origin == origin_) continue;  // delivered locally when published
    wire->envelope.user_ids = {user};
    envelopes.push_back(std::move(wire->envelope));
    last_kept = true;
  }
  util::WakeupBatch wakeups;
  for (const auto& envelope : envelopes) {
    ++received_;
    deliver(envelope);
  }
}

// ---- shared --------------------------------------------------------------------

void RedisBus::subscribe(Handler handler) {
  auto shared = std::make_shared<const Handler>(std::move(handler));
  std::lock_guard lock(handler_mutex_);
  handler_ = std::move(shared);
}

void RedisBus::deliver(const Envelope& envelope) {
  std::shared_ptr<const Handler> handler;
  {
    std::lock_guard lock(handler_mutex_);
    handler = handler_;
  }
  if (handler && *handler) (*handler)(envelope);
}

bool RedisBus::healthy() const { return publisher_link_->healthy() && subscriber_link_->healthy(); }

bool RedisBus::wait_until_healthy(std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto left = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  };
  return publisher_link_->wait_until_healthy(left()) && subscriber_link_->wait_until_healthy(left());
}

RedisBus::Stats RedisBus::stats() const {
  Stats stats;
  stats.published = published_;
  stats.dropped = dropped_;
  stats.received = received_;
  stats.reconnects = publisher_link_->reconnects() + subscriber_link_->reconnects();
  std::lock_guard lock(queue_mutex_);
  stats.queued_bytes = queued_bytes_;
  return stats;
}

}  // namespace talkline::bus::redis
