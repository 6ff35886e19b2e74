#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "jobs/append_queue.hpp"
#include "jobs/event_log.hpp"
#include "redis/connection.hpp"
#include "redis/endpoint.hpp"
#include "util/result.hpp"

namespace talkline::jobs::redis {

struct RedisEventLogOptions {
  talkline::redis::Endpoint endpoint;
  /// The stream. Nodes of one cluster share it; a group's dead letters live in
  /// `<key>:dead:<group>`.
  std::string key = "tl:events";
  /// XADD ... MAXLEN ~ max_len: Redis keeps at least this many entries (a little more,
  /// as it trims whole internal nodes only). Pending entries trimmed away are lost.
  std::size_t max_len = 100000;
  /// Bound of the append queue while Redis is slow or down.
  std::size_t max_queued = 10000;
  std::chrono::milliseconds connect_timeout{1000};
  /// A reply later than this means the connection is dead; it is made again.
  std::chrono::milliseconds io_timeout{3000};
  std::chrono::milliseconds min_backoff{50};
  std::chrono::milliseconds max_backoff{2000};
};

/// The stream's options for TALKLINE_BUS=redis://...; `setting` names the key in errors.
Result<RedisEventLogOptions> redis_event_log_options(std::string_view url, std::string_view setting);

/// The event log of a cluster, on a Redis stream (docs/HLD.md "Background jobs and the
/// event log"). append() queues for a writer thread with a connection of its own that
/// pipelines XADDs; every consumer gets a connection of its own too, used on its
/// caller's thread. All of them reconnect with backoff; a Redis that comes back empty
/// (restarted without persistence) gets the stream and the groups made again.
class RedisEventLog final : public EventLog {
 public:
  explicit RedisEventLog(RedisEventLogOptions options);
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

  const RedisEventLogOptions options_;
  const std::string max_len_text_;
  std::unique_ptr<talkline::redis::Connection> writer_;  // the queue's thread only
  bool writer_down_logged_ = false;
  AppendQueue queue_;
};

}  // namespace talkline::jobs::redis
