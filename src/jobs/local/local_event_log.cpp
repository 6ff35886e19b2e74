#include "jobs/local/local_event_log.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <utility>

#include "jobs/stream_id.hpp"

namespace talkline::jobs::local {

using Clock = std::chrono::steady_clock;

struct LocalEventLog::State {
  struct Entry {
    StreamId id;
    std::string type;
    std::string payload_json;
  };
  struct Pending {
    std::string consumer;
    Clock::time_point delivered_at;
  };
  struct Group {
    StreamId last_delivered;
    std::map<StreamId, Pending> pending;
    std::map<std::string, Clock::time_point, std::less<>> seen;  // consumers, last call
    std::deque<DeadLetter> dead;                                 // newest last
  };

  explicit State(std::size_t max_len) : max_len(max_len) {}

  const std::size_t max_len;
  std::mutex mutex;
  std::condition_variable appended;
  std::deque<Entry> entries;  // ascending ids
  StreamId last_id;
  std::map<std::string, Group, std::less<>> groups;

  Event event_of(const Entry& entry) const { return {entry.id.to_string(), entry.type, entry.payload_json}; }

  const Entry* find(StreamId id) const {
    auto it = std::lower_bound(entries.begin(), entries.end(), id,
                               [](const Entry& entry, StreamId wanted) { return entry.id < wanted; });
    return it != entries.end() && it->id == id ? &*it : nullptr;
  }

  // Ids follow Redis: the wall-clock millisecond, and a sequence within it; never
  // smaller than the last one, even when the clock steps back.
  StreamId next_id() {
    const auto now_ms = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
    last_id = now_ms > last_id.ms ? StreamId{now_ms, 0} : last_id.next();
    return last_id;
  }

  std::size_t write(const std::vector<Event>& batch) {
    {
      std::lock_guard lock(mutex);
      for (const auto& event : batch) entries.push_back({next_id(), event.type, event.payload_json});
      while (entries.size() > max_len) entries.pop_front();
    }
    appended.notify_all();
    return batch.size();
  }
};

namespace {

class LocalConsumer final : public EventConsumer {
 public:
  LocalConsumer(std::shared_ptr<LocalEventLog::State> state, std::string group, std::string name)
      : state_(std::move(state)), group_(std::move(group)), name_(std::move(name)) {
    std::lock_guard lock(state_->mutex);
    auto [it, created] = state_->groups.try_emplace(group_);
    if (created) it->second.last_delivered = state_->entries.empty() ? StreamId{} : state_->entries.back().id;
    it->second.seen[name_] = Clock::now();
  }

  const std::string& group() const override { return group_; }
  const std::string& name() const override { return name_; }

  Result<std::vector<Event>> read(std::size_t max, std::chrono::milliseconds block) override {
    std::unique_lock lock(state_->mutex);
    auto& group = touch();
    auto first_new = [&] {
      return std::upper_bound(state_->entries.begin(), state_->entries.end(), group.last_delivered,
                              [](StreamId id, const auto& entry) { return id < entry.id; });
    };
    state_->appended.wait_for(lock, block, [&] { return first_new() != state_->entries.end(); });
    std::vector<Event> batch;
    const auto now = Clock::now();
    for (auto it = first_new(); it != state_->entries.end() && batch.size() < max; ++it) {
      group.pending[it->id] = {name_, now};
      group.last_delivered = it->id;
      batch.push_back(state_->event_of(*it));
    }
    return batch;
  }

  Result<std::size_t> ack(const std::vector<std::string>& ids) override {
    std::lock_guard lock(state_->mutex);
    auto& group = touch();
    std::size_t acked = 0;
    for (const auto& text : ids) {
      if (auto id = parse_stream_id(text)) acked += group.pending.erase(*id);
    }
    return acked;
  }

  Result<std::vector<Event>> reclaim(std::chrono::milliseconds min_idle, std::size_t max) override {
    std::lock_guard lock(state_->mutex);
    auto& group = touch();
    const auto now = Clock::now();
    std::vector<Event> taken;
    for (auto it = group.pending.begin(); it != group.pending.end() && taken.size() < max;) {
      const auto* entry = state_->find(it->first);
      if (entry == nullptr) {
        it = group.pending.erase(it);  // trimmed away: nothing left to hand out
        continue;
      }
      if (now - it->second.delivered_at >= min_idle) {
        it->second = {name_, now};
        taken.push_back(state_->event_of(*entry));
      }
      ++it;
    }
    return taken;
  }

  Result<void> keep(const std::vector<std::string>& ids) override {
    std::lock_guard lock(state_->mutex);
    auto& group = touch();
    const auto now = Clock::now();
    for (const auto& text : ids) {
      auto id = parse_stream_id(text);
      if (!id) continue;
      auto it = group.pending.find(*id);
      if (it != group.pending.end() && it->second.consumer == name_) it->second.delivered_at = now;
    }
    return ok_result();
  }

  Result<void> dead_letter(const Event& event, std::string_view reason) override {
    std::lock_guard lock(state_->mutex);
    auto& group = touch();
    group.dead.push_back({event, std::string(reason)});
    while (group.dead.size() > state_->max_len) group.dead.pop_front();
    if (auto id = parse_stream_id(event.id)) group.pending.erase(*id);
    return ok_result();
  }

  Result<std::vector<DeadLetter>> dead_letters(std::size_t max) override {
    std::lock_guard lock(state_->mutex);
    auto& group = touch();
    std::vector<DeadLetter> newest;
    for (auto it = group.dead.rbegin(); it != group.dead.rend() && newest.size() < max; ++it) newest.push_back(*it);
    return newest;
  }

  Result<std::size_t> pending() override {
    std::lock_guard lock(state_->mutex);
    return touch().pending.size();
  }

  Result<std::size_t> prune_consumers(std::chrono::milliseconds min_idle) override {
    std::lock_guard lock(state_->mutex);
    auto& group = touch();
    const auto now = Clock::now();
    std::size_t removed = 0;
    for (auto it = group.seen.begin(); it != group.seen.end();) {
      const bool holds = std::any_of(group.pending.begin(), group.pending.end(),
                                     [&](const auto& entry) { return entry.second.consumer == it->first; });
      if (it->first != name_ && !holds && now - it->second >= min_idle) {
        it = group.seen.erase(it);
        ++removed;
      } else {
        ++it;
      }
    }
    return removed;
  }

 private:
  // The group, marking this consumer as seen (as every Redis group command does).
  LocalEventLog::State::Group& touch() {
    auto& group = state_->groups[group_];
    group.seen[name_] = Clock::now();
    return group;
  }

  std::shared_ptr<LocalEventLog::State> state_;
  const std::string group_;
  const std::string name_;
};

AppendQueue::Options queue_options(const LocalEventLogOptions& options) {
  AppendQueue::Options queue;
  queue.name = "local";
  queue.max_queued = options.max_queued;
  return queue;
}

}  // namespace

LocalEventLog::LocalEventLog(LocalEventLogOptions options)
    : state_(std::make_shared<State>(std::max<std::size_t>(options.max_len, 1))),
      queue_(queue_options(options),
             [state = state_](const std::vector<Event>& batch) { return state->write(batch); }) {}

LocalEventLog::~LocalEventLog() { queue_.stop(); }

bool LocalEventLog::append(Event event) { return queue_.push(std::move(event)); }

bool LocalEventLog::flush(std::chrono::milliseconds timeout) { return queue_.flush(timeout); }

std::unique_ptr<EventConsumer> LocalEventLog::consumer(std::string group, std::string name) {
  return std::make_unique<LocalConsumer>(state_, std::move(group), std::move(name));
}

EventLog::Stats LocalEventLog::stats() const { return queue_.stats(); }

}  // namespace talkline::jobs::local
