#include "redis/link.hpp"

#include <pthread.h>
#include <algorithm>
#include <utility>

#include "util/log.hpp"

namespace talkline::redis {

namespace {

// The client's timing, with the link's own reply timeout if it has one.
Link::Timing own_timing(Link::Timing timing, const LinkSettings& settings) {
  if (settings.io_timeout) timing.connect.io_timeout = *settings.io_timeout;
  return timing;
}

}  // namespace

Link::Link(Endpoint endpoint, Timing timing, LinkSettings settings, std::shared_ptr<LinkCounters> counters)
    : endpoint_(std::move(endpoint)),
      timing_(own_timing(timing, settings)),
      settings_(std::move(settings)),
      counters_(std::move(counters)),
      backoff_(timing_.min_backoff) {
  if (settings_.background) connector_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "tl-redis-link");
    run_connector();
  });
}

Link::~Link() {
  stop();
  if (connector_.joinable()) connector_.join();
}

Connection* Link::current() {
  if (connection_ && connection_->broken()) drop("connection broken");
  return connection_.get();
}

Connection* Link::get() {
  if (stopping_) return nullptr;
  if (auto* live = current()) return live;
  std::unique_ptr<Connection> fresh;
  if (settings_.background) {
    std::lock_guard lock(mutex_);
    fresh = std::move(ready_);
  } else if (Clock::now() >= next_attempt()) {
    fresh = attempt();
    attempted(fresh != nullptr);
  }
  if (!fresh) return nullptr;
  // The owner writes on it: a Redis that went away must fail the write, not kill us.
  block_sigpipe_in_this_thread();
  connection_ = std::move(fresh);
  return connection_.get();
}

Connection* Link::wait() {
  for (;;) {
    if (auto* live = get()) return live;
    std::unique_lock lock(mutex_);
    if (stopping_) return nullptr;
    if (settings_.background) {
      changed_.wait(lock, [&] { return stopping_ || ready_ != nullptr; });
    } else {
      changed_.wait_until(lock, next_attempt_, [&] { return stopping_.load(); });
    }
  }
}

void Link::drop(std::string_view why) {
  connection_.reset();
  {
    std::lock_guard lock(mutex_);
    next_attempt_ = Clock::now() + backoff_;
    wanted_ = true;
  }
  changed_.notify_all();
  went_down(why);
}

Link::Clock::time_point Link::next_attempt() const {
  std::lock_guard lock(mutex_);
  return next_attempt_;
}

bool Link::wait_until_healthy(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return stopping_ || counters_->up.load(); });
  return counters_->up;
}

bool Link::sleep_until(Clock::time_point until) const {
  std::unique_lock lock(mutex_);
  return !changed_.wait_until(lock, until, [&] { return stopping_.load(); });
}

void Link::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
}

bool Link::stopped() const { return stopping_; }

// Connects, logs in and PINGs (Connection::open), then lets the user set the connection
// up. nullptr when any of it failed.
std::unique_ptr<Connection> Link::attempt() {
  block_sigpipe_in_this_thread();
  auto connection = Connection::open(endpoint_, timing_.connect, settings_.role);
  if (connection && settings_.on_connect && !settings_.on_connect(*connection)) connection.reset();
  return connection;
}

// Books an attempt: a success resets the backoff and counts as up; a failure doubles
// the backoff (up to the maximum) and counts as down.
void Link::attempted(bool made) {
  if (!made) {
    {
      std::lock_guard lock(mutex_);
      next_attempt_ = Clock::now() + backoff_;
      backoff_ = std::min(backoff_ * 2, timing_.max_backoff);
    }
    went_down("cannot connect");
    return;
  }
  {
    std::lock_guard lock(mutex_);
    mark_up_locked();
  }
  announce_up();
}

void Link::mark_up_locked() {
  backoff_ = timing_.min_backoff;
  down_told_ = false;
  if (counters_->connects++ > 0) ++counters_->reconnects;
  counters_->up = true;
}

void Link::announce_up() {
  changed_.notify_all();
  util::log::info("redis.connected", {{"role", std::string_view(role())},
                                      {"host", std::string_view(endpoint_.host)},
                                      {"port", static_cast<std::int64_t>(endpoint_.port)}});
  if (settings_.on_change) settings_.on_change(true);
}

// Logged and told once per outage, however many attempts fail in it.
void Link::went_down(std::string_view why) {
  bool was_up = false;
  {
    std::lock_guard lock(mutex_);
    if (down_told_) return;
    down_told_ = true;
    was_up = counters_->up.exchange(false);
  }
  changed_.notify_all();
  util::log::warn(was_up ? "redis.disconnected" : "redis.unreachable",
                  {{"role", std::string_view(role())}, {"reason", why}, {"detail", "retrying with backoff"}});
  if (settings_.on_change) settings_.on_change(false);
}

// A background link's connector: whenever the owner has no connection, make one
// (waiting out the backoff between attempts) and leave it for the owner's next get().
void Link::run_connector() {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return stopping_ || (wanted_ && ready_ == nullptr); });
      changed_.wait_until(lock, next_attempt_, [&] { return stopping_.load(); });
      if (stopping_) return;
    }
    auto fresh = attempt();
    if (!fresh) {
      attempted(false);
      continue;
    }
    {
      // Handed over and marked up in one step: an owner that takes the connection and
      // drops it at once must find the link up, so its drop() marks it down again.
      std::lock_guard lock(mutex_);
      ready_ = std::move(fresh);
      wanted_ = false;
      mark_up_locked();
    }
    announce_up();
  }
}

}  // namespace talkline::redis
