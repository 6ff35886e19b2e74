#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "jobs/event_log.hpp"
#include "jobs/redis/redis_event_log.hpp"
#include "redis/client.hpp"

namespace talkline::jobs::redis {

/// One member of a consumer group of the Redis event log, with a redis::Link of its own.
/// While Redis cannot be reached, calls fail with `unavailable` and the link reconnects
/// at most once per backoff step; each new connection makes the group first.
///
/// Threads: one thread at a time (the job's), which also runs the reconnects.
class RedisEventConsumer final : public EventConsumer {
 public:
  RedisEventConsumer(const talkline::redis::Client& client, RedisEventLogOptions options, std::string group,
                     std::string name);

  const std::string& group() const override { return group_; }
  const std::string& name() const override { return name_; }

  Result<std::vector<Event>> read(std::size_t max, std::chrono::milliseconds block) override;
  Result<std::size_t> ack(const std::vector<std::string>& ids) override;
  Result<std::vector<Event>> reclaim(std::chrono::milliseconds min_idle, std::size_t max) override;
  Result<void> keep(const std::vector<std::string>& ids) override;
  Result<void> dead_letter(const Event& event, std::string_view reason) override;
  Result<std::vector<DeadLetter>> dead_letters(std::size_t max) override;
  Result<std::size_t> pending() override;
  Result<std::size_t> prune_consumers(std::chrono::milliseconds min_idle) override;

 private:
  using Argv = std::vector<std::string>;

  /// The connection, made (and the group made on it) first when needed.
  Result<talkline::redis::Connection*> connection();
  bool connected(talkline::redis::Connection& connection);
  /// Runs `argv`; a NOGROUP answer (Redis lost the stream) makes the group again and
  /// runs it once more. Errors: `unavailable` for a lost connection, `internal` for an
  /// error reply.
  Result<talkline::redis::Reply> run(const Argv& argv);
  Result<void> create_group(talkline::redis::Connection& connection, const char* start);

  const RedisEventLogOptions options_;
  const std::string group_;
  const std::string name_;
  const std::string dead_key_;
  bool group_made_once_ = false;
  std::unique_ptr<talkline::redis::Link> link_;
};

}  // namespace talkline::jobs::redis
