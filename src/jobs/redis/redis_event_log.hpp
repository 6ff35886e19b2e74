#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "jobs/append_queue.hpp"
#include "jobs/event_log.hpp"
#include "redis/client.hpp"

namespace talkline::jobs::redis {

struct RedisEventLogOptions {
  /// The stream. Nodes of one cluster share it; a group's dead letters live in
  /// `<key>:dead:<group>`.
  std::string key = "tl:events";
  /// XADD ... MAXLEN ~ max_len: Redis keeps at least this many entries (a little more,
  /// as it trims whole internal nodes only). Pending entries trimmed away are lost.
  std::size_t max_len = 100000;
  /// Bound of the append queue while Redis is slow or down.
  std::size_t max_queued = 10000;
};

/// The event log of a cluster, on a Redis stream (docs/HLD.md "Background jobs and the
/// event log"). append() queues for a writer thread with a redis::Link of its own that
/// pipelines XADDs; every consumer gets a link of its own too, used on its caller's
/// thread. A Redis that comes back empty (restarted without persistence) gets the
/// stream and the groups made again.
///
/// Threads: append() and flush() from any thread (the services, under their locks);
/// consumer() from any thread, each consumer then on one thread at a time.
class RedisEventLog final : public EventLog {
 public:
  /// `client` makes the writer's link and every consumer's.
  RedisEventLog(const talkline::redis::Client& client, RedisEventLogOptions options);
  ~RedisEventLog() override;
  RedisEventLog(const RedisEventLog&) = delete;
  RedisEventLog& operator=(const RedisEventLog&) = delete;

  bool append(Event event) override;
  bool flush(std::chrono::milliseconds timeout) override;
  std::unique_ptr<EventConsumer> consumer(std::string group, std::string name) override;
  Stats stats() const override;

  const RedisEventLogOptions& options() const { return options_; }

 private:
  std::size_t write(const std::vector<Event>& batch);

  const talkline::redis::Client client_;
  const RedisEventLogOptions options_;
  const std::string max_len_text_;
  std::unique_ptr<talkline::redis::Link> writer_;  // used on the queue's thread only
  AppendQueue queue_;
};

}  // namespace talkline::jobs::redis
