#include "jobs/redis/redis_event_log.hpp"

#include <utility>

#include "jobs/redis/redis_event_consumer.hpp"
#include "util/log.hpp"

namespace talkline::jobs::redis {

namespace {

AppendQueue::Options queue_options(const RedisEventLogOptions& options, const talkline::redis::Client& client) {
  AppendQueue::Options queue;
  queue.name = "redis";
  queue.max_queued = options.max_queued;
  queue.retry_pause = client.options().min_backoff;
  return queue;
}

}  // namespace

RedisEventLog::RedisEventLog(const talkline::redis::Client& client, RedisEventLogOptions options)
    : client_(client),
      options_(std::move(options)),
      max_len_text_(std::to_string(std::max<std::size_t>(options_.max_len, 1))),
      writer_(client.link({.role = "event_log.writer"})),
      queue_(queue_options(options_, client), [this](const std::vector<Event>& batch) { return write(batch); }) {}

RedisEventLog::~RedisEventLog() { queue_.stop(); }

bool RedisEventLog::append(Event event) { return queue_.push(std::move(event)); }

bool RedisEventLog::flush(std::chrono::milliseconds timeout) { return queue_.flush(timeout); }

std::unique_ptr<EventConsumer> RedisEventLog::consumer(std::string group, std::string name) {
  return std::make_unique<RedisEventConsumer>(client_, options_, std::move(group), std::move(name));
}

EventLog::Stats RedisEventLog::stats() const { return queue_.stats(); }

// One pipelined XADD per event, all written at once, then the replies in order. On a
// lost connection the events after the last confirmed one are offered again, so one
// that Redis did take before the connection broke is stored twice (EventLog::append).
std::size_t RedisEventLog::write(const std::vector<Event>& batch) {
  auto* connection = writer_->get();
  if (connection == nullptr) return 0;
  for (const auto& event : batch) {
    connection->append(
        {"XADD", options_.key, "MAXLEN", "~", max_len_text_, "*", "type", event.type, "payload", event.payload_json});
  }
  std::size_t done = 0;
  for (; done < batch.size(); ++done) {
    auto reply = connection->read();
    if (reply.missing()) break;
    // Redis refused it for good (a wrong key type, say): sending it again cannot help.
    if (reply.is_error()) {
      util::log::error("jobs.event_log_append_refused",
                       {{"type", std::string_view(batch[done].type)}, {"error", reply.text()}});
    }
  }
  if (done < batch.size()) {
    util::log::warn("jobs.event_log_unconfirmed", {{"events", static_cast<std::int64_t>(batch.size() - done)}});
    writer_->drop("no reply to XADD");
  }
  return done;
}

}  // namespace talkline::jobs::redis
