#include "jobs/redis/redis_event_log.hpp"

#include <utility>

#include "jobs/redis/redis_event_consumer.hpp"
#include "util/log.hpp"

namespace talkline::jobs::redis {

namespace {

AppendQueue::Options queue_options(const RedisEventLogOptions& options) {
  AppendQueue::Options queue;
  queue.name = "redis";
  queue.max_queued = options.max_queued;
  queue.min_backoff = options.min_backoff;
  queue.max_backoff = options.max_backoff;
  return queue;
}

}  // namespace

Result<RedisEventLogOptions> redis_event_log_options(std::string_view url, std::string_view setting) {
  TL_TRY_ASSIGN(auto endpoint, talkline::redis::parse_url(url, setting));
  RedisEventLogOptions options;
  options.endpoint = std::move(endpoint);
  return options;
}

RedisEventLog::RedisEventLog(RedisEventLogOptions options)
    : options_(std::move(options)),
      max_len_text_(std::to_string(std::max<std::size_t>(options_.max_len, 1))),
      queue_(queue_options(options_), [this](const std::vector<Event>& batch) { return write(batch); }) {}

RedisEventLog::~RedisEventLog() { queue_.stop(); }

bool RedisEventLog::append(Event event) { return queue_.push(std::move(event)); }

bool RedisEventLog::flush(std::chrono::milliseconds timeout) { return queue_.flush(timeout); }

std::unique_ptr<EventConsumer> RedisEventLog::consumer(std::string group, std::string name) {
  return std::make_unique<RedisEventConsumer>(options_, std::move(group), std::move(name));
}

EventLog::Stats RedisEventLog::stats() const { return queue_.stats(); }

// One pipelined XADD per event, all written at once, then the replies in order. On a
// lost connection the events after the last confirmed one are offered again, so one
// that Redis did take before the connection broke is stored twice (EventLog::append).
std::size_t RedisEventLog::write(const std::vector<Event>& batch) {
  if (writer_ && writer_->broken()) writer_.reset();
  if (!writer_) {
    talkline::redis::block_sigpipe_in_this_thread();
    writer_ = talkline::redis::Connection::open(options_.endpoint, {options_.connect_timeout, options_.io_timeout},
                                                "event_log.writer");
    if (!writer_) {
      if (!writer_down_logged_) {
        util::log::warn("jobs.event_log_unreachable",
                        {{"role", "writer"}, {"queued", static_cast<std::int64_t>(queue_.stats().queued)}});
        writer_down_logged_ = true;
      }
      return 0;
    }
    if (writer_down_logged_) {
      util::log::info("jobs.event_log_connected", {{"role", "writer"}});
      writer_down_logged_ = false;
    }
  }

  for (const auto& event : batch) {
    writer_->append(
        {"XADD", options_.key, "MAXLEN", "~", max_len_text_, "*", "type", event.type, "payload", event.payload_json});
  }
  std::size_t done = 0;
  for (; done < batch.size(); ++done) {
    auto reply = writer_->read();
    if (reply.missing()) break;
    // Redis refused it for good (a wrong key type, say): sending it again cannot help.
    if (reply.is_error()) {
      util::log::error("jobs.event_log_append_refused",
                       {{"type", std::string_view(batch[done].type)}, {"error", reply.text()}});
    }
  }
  if (done < batch.size()) {
    writer_.reset();
    util::log::warn("jobs.event_log_disconnected",
                    {{"role", "writer"}, {"unconfirmed", static_cast<std::int64_t>(batch.size() - done)}});
    writer_down_logged_ = true;
  }
  return done;
}

}  // namespace talkline::jobs::redis
