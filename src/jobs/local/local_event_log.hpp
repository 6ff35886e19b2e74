#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "jobs/append_queue.hpp"
#include "jobs/event_log.hpp"

namespace talkline::jobs::local {

struct LocalEventLogOptions {
  /// Entries kept; older ones are trimmed (exactly, where Redis trims about this many).
  std::size_t max_len = 100000;
  /// Bound of the append queue.
  std::size_t max_queued = 10000;
};

/// The event log of a single node (TALKLINE_BUS=local): the same rules as the Redis
/// Streams backend — groups, pending entries, ack, reclaim, dead letters — kept in
/// memory. Nothing survives a restart: pending work is lost with the process.
///
/// Consumers share the log's state and may outlive the log object (their calls then
/// see no new entries).
class LocalEventLog final : public EventLog {
 public:
  explicit LocalEventLog(LocalEventLogOptions options = {});
  ~LocalEventLog() override;
  LocalEventLog(const LocalEventLog&) = delete;
  LocalEventLog& operator=(const LocalEventLog&) = delete;

  bool append(Event event) override;
  bool flush(std::chrono::milliseconds timeout) override;
  std::unique_ptr<EventConsumer> consumer(std::string group, std::string name) override;
  Stats stats() const override;

  /// For tests: see AppendQueue::hold.
  void hold_writes(bool held) { queue_.hold(held); }

  struct State;

 private:
  std::shared_ptr<State> state_;
  AppendQueue queue_;
};

}  // namespace talkline::jobs::local
