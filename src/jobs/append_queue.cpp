#include "jobs/append_queue.hpp"

#include <algorithm>
#include <utility>

#include "util/log.hpp"

namespace talkline::jobs {

using Clock = std::chrono::steady_clock;

AppendQueue::AppendQueue(Options options, Sink sink) : options_(std::move(options)), sink_(std::move(sink)) {
  thread_ = std::thread([this] { run(); });
}

AppendQueue::~AppendQueue() { stop(); }

bool AppendQueue::push(Event event) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_ && queue_.size() + in_flight_ < options_.max_queued) {
      queue_.push_back(std::move(event));
      appended_.fetch_add(1, std::memory_order_relaxed);
      changed_.notify_all();
      return true;
    }
  }
  count_drop(1, "queue_full");
  return false;
}

bool AppendQueue::flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return queue_.empty() && in_flight_ == 0; });
}

void AppendQueue::stop(std::chrono::milliseconds grace) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      stopping_ = true;
      deadline_ = Clock::now() + grace;
    }
    changed_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

EventLog::Stats AppendQueue::stats() const {
  EventLog::Stats stats;
  stats.appended = appended_.load(std::memory_order_relaxed);
  stats.written = written_.load(std::memory_order_relaxed);
  stats.dropped = dropped_.load(std::memory_order_relaxed);
  std::lock_guard lock(mutex_);
  stats.queued = queue_.size() + in_flight_;
  return stats;
}

void AppendQueue::hold(bool held) {
  std::lock_guard lock(mutex_);
  held_ = held;
  changed_.notify_all();
}

void AppendQueue::count_drop(std::uint64_t events, const char* why) {
  const auto before = dropped_.fetch_add(events, std::memory_order_relaxed);
  // One line per thousand drops: an outage must not turn into a flood of log lines.
  if (before / 1000 != (before + events) / 1000 || before == 0) {
    util::log::warn("jobs.event_log_dropped", {{"log", std::string_view(options_.name)},
                                               {"reason", std::string_view(why)},
                                               {"dropped_total", static_cast<std::int64_t>(before + events)},
                                               {"max_queued", static_cast<std::int64_t>(options_.max_queued)}});
  }
}

bool AppendQueue::pause() {
  std::unique_lock lock(mutex_);
  const auto until = Clock::now() + options_.retry_pause;
  changed_.wait_until(lock, until, [&] { return stopping_ && Clock::now() >= deadline_; });
  return !(stopping_ && Clock::now() >= deadline_);
}

void AppendQueue::run() {
  std::vector<Event> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return stopping_ || (!held_ && !queue_.empty()); });
      if (stopping_ && (queue_.empty() || held_ || Clock::now() >= deadline_)) break;
      if (held_ || queue_.empty()) continue;
      const std::size_t take = std::min(queue_.size(), options_.max_batch);
      batch.clear();
      batch.reserve(take);
      for (std::size_t i = 0; i < take; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      in_flight_ = take;
    }

    const std::size_t done = std::min(sink_(batch), batch.size());
    written_.fetch_add(done, std::memory_order_relaxed);
    {
      std::lock_guard lock(mutex_);
      // What was not written goes back to the front, in order, for the next turn.
      for (std::size_t i = batch.size(); i > done; --i) queue_.push_front(std::move(batch[i - 1]));
      in_flight_ = 0;
      changed_.notify_all();
    }
    if (done < batch.size() && !pause()) break;
  }

  std::size_t left = 0;
  {
    std::lock_guard lock(mutex_);
    left = queue_.size();
    queue_.clear();
    changed_.notify_all();
  }
  if (left > 0) count_drop(left, "stopped_before_written");
}

}  // namespace talkline::jobs
