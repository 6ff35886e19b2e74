#include "jobs/redis/redis_event_consumer.hpp"

#include <algorithm>
#include <iterator>
#include <utility>

#include "jobs/redis/stream_reply.hpp"
#include "util/log.hpp"

namespace talkline::jobs::redis {

namespace {

using Clock = std::chrono::steady_clock;
using talkline::redis::Reply;

// Rounds of XAUTOCLAIM per reclaim(): each scans a slice of the pending list, so a long
// list of young entries cannot keep one call busy for long.
constexpr int kReclaimRounds = 16;
// BLOCK stays this far below the I/O timeout, so a quiet stream is not taken for a
// dead connection.
constexpr std::chrono::milliseconds kBlockMargin{500};

// Resets the idle time of the given entries, but only of those still pending on this
// consumer: XCLAIM alone would also take back an entry another consumer reclaimed.
constexpr const char* kKeepScript = R"lua(
local kept = 0
for i = 3, #ARGV do
  local owned = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1, ARGV[2])
  if #owned > 0 then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
    kept = kept + 1
  end
end
return kept
)lua";

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

std::int64_t integer_field(const Reply& fields, std::string_view name) {
  for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
    if (fields.at(i).text() == name) return fields.at(i + 1).integer();
  }
  return 0;
}

}  // namespace

RedisEventConsumer::RedisEventConsumer(const talkline::redis::Client& client, RedisEventLogOptions options,
                                       std::string group, std::string name)
    : options_(std::move(options)),
      group_(std::move(group)),
      name_(std::move(name)),
      dead_key_(options_.key + ":dead:" + group_) {
  link_ = client.link({.role = "event_log.consumer", .on_connect = [this](talkline::redis::Connection& connection) {
                         return connected(connection);
                       }});
  // Make the group now, so that it sees every event appended from here on; when Redis
  // is down this is tried again by the first call.
  (void)connection();
}

Result<void> RedisEventConsumer::create_group(talkline::redis::Connection& connection, const char* start) {
  auto reply = connection.command({"XGROUP", "CREATE", options_.key, group_, start, "MKSTREAM"});
  if (reply.missing()) return Error::unavailable("redis: no answer to XGROUP CREATE");
  if (reply.is_error() && !starts_with(reply.text(), "BUSYGROUP")) {
    return Error::internal("redis: XGROUP CREATE: " + std::string(reply.text()));
  }
  return ok_result();
}

// A group made once already was lost with the stream (Redis restarted empty): then
// everything now in the stream is new to the group, so it starts at the beginning.
bool RedisEventConsumer::connected(talkline::redis::Connection& connection) {
  auto made = create_group(connection, group_made_once_ ? "0" : "$");
  if (!made.ok()) {
    util::log::warn("jobs.event_log_group_not_made",
                    {{"group", std::string_view(group_)}, {"error", std::string_view(made.error().message)}});
    return false;
  }
  group_made_once_ = true;
  return true;
}

Result<talkline::redis::Connection*> RedisEventConsumer::connection() {
  if (auto* live = link_->get()) return live;
  return Error::unavailable("redis event log unreachable");
}

Result<Reply> RedisEventConsumer::run(const Argv& argv) {
  TL_TRY_ASSIGN(auto* connection, this->connection());
  auto reply = connection->command(argv);
  if (!reply.missing() && reply.is_error() && starts_with(reply.text(), "NOGROUP")) {
    util::log::warn("jobs.event_log_group_lost", {{"group", std::string_view(group_)}});
    auto made = create_group(*connection, "0");
    if (made.ok()) reply = connection->command(argv);
  }
  if (reply.missing()) {
    link_->drop("no reply");
    return Error::unavailable("redis: connection lost during " + argv.front());
  }
  if (reply.is_error()) return Error::internal("redis: " + argv.front() + ": " + std::string(reply.text()));
  return reply;
}

Result<std::vector<Event>> RedisEventConsumer::read(std::size_t max, std::chrono::milliseconds block) {
  if (auto ready = connection(); !ready.ok()) {
    // Pace the caller's loop: come back after about `block`, as a quiet stream would.
    link_->sleep_until(std::min(Clock::now() + block, std::max(link_->next_attempt(), Clock::now())));
    return ready.take_error();
  }
  Argv argv{"XREADGROUP", "GROUP", group_, name_, "COUNT", std::to_string(std::max<std::size_t>(max, 1))};
  const auto longest = std::max(link_->timeouts().io_timeout - kBlockMargin, std::chrono::milliseconds(1));
  if (block.count() > 0) {
    argv.emplace_back("BLOCK");
    argv.push_back(std::to_string(std::min(block, longest).count()));
  }
  argv.insert(argv.end(), {"STREAMS", options_.key, ">"});
  TL_TRY_ASSIGN(auto reply, run(argv));
  std::vector<Event> events;
  for (std::size_t i = 0; i < reply.size(); ++i) {
    auto part = events_of(reply.at(i).at(1));
    std::move(part.begin(), part.end(), std::back_inserter(events));
  }
  return events;
}

Result<std::size_t> RedisEventConsumer::ack(const std::vector<std::string>& ids) {
  if (ids.empty()) return std::size_t{0};
  Argv argv{"XACK", options_.key, group_};
  argv.insert(argv.end(), ids.begin(), ids.end());
  TL_TRY_ASSIGN(auto reply, run(argv));
  return static_cast<std::size_t>(reply.integer());
}

Result<std::vector<Event>> RedisEventConsumer::reclaim(std::chrono::milliseconds min_idle, std::size_t max) {
  std::vector<Event> taken;
  std::string cursor = "0-0";
  for (int round = 0; round < kReclaimRounds && taken.size() < max; ++round) {
    TL_TRY_ASSIGN(auto reply, run({"XAUTOCLAIM", options_.key, group_, name_, std::to_string(min_idle.count()), cursor,
                                   "COUNT", std::to_string(max - taken.size())}));
    auto part = events_of(reply.at(1));
    std::move(part.begin(), part.end(), std::back_inserter(taken));
    cursor = std::string(reply.at(0).text());
    if (cursor.empty() || cursor == "0-0") break;
  }
  return taken;
}

Result<void> RedisEventConsumer::keep(const std::vector<std::string>& ids) {
  if (ids.empty()) return ok_result();
  Argv argv{"EVAL", kKeepScript, "1", options_.key, group_, name_};
  argv.insert(argv.end(), ids.begin(), ids.end());
  TL_TRY(run(argv));
  return ok_result();
}

Result<void> RedisEventConsumer::dead_letter(const Event& event, std::string_view reason) {
  TL_TRY_ASSIGN(auto* connection, this->connection());
  // Both or neither: an entry is never acked without its copy, nor copied twice when
  // the ack is retried after a failure.
  connection->append({"MULTI"});
  connection->append({"XADD", dead_key_, "MAXLEN", "~", std::to_string(options_.max_len), "*", "id", event.id, "type",
                      event.type, "payload", event.payload_json, "reason", std::string(reason)});
  connection->append({"XACK", options_.key, group_, event.id});
  connection->append({"EXEC"});
  Reply exec;
  for (int i = 0; i < 4; ++i) exec = connection->read();
  if (exec.missing()) {
    link_->drop("no reply");
    return Error::unavailable("redis: connection lost while dead-lettering");
  }
  if (!exec.is_array() || exec.at(0).is_error()) {
    return Error::internal("redis: dead letter not written: " +
                           std::string(exec.is_array() ? exec.at(0).text() : exec.text()));
  }
  return ok_result();
}

Result<std::vector<DeadLetter>> RedisEventConsumer::dead_letters(std::size_t max) {
  TL_TRY_ASSIGN(auto reply, run({"XREVRANGE", dead_key_, "+", "-", "COUNT", std::to_string(max)}));
  std::vector<DeadLetter> letters;
  for (std::size_t i = 0; i < reply.size(); ++i) {
    const auto fields = reply.at(i).at(1);
    DeadLetter letter;
    letter.event.id = std::string(field_of(fields, "id").value_or(""));
    letter.event.type = std::string(field_of(fields, "type").value_or(""));
    letter.event.payload_json = std::string(field_of(fields, "payload").value_or(""));
    letter.reason = std::string(field_of(fields, "reason").value_or(""));
    letters.push_back(std::move(letter));
  }
  return letters;
}

Result<std::size_t> RedisEventConsumer::pending() {
  TL_TRY_ASSIGN(auto reply, run({"XPENDING", options_.key, group_}));
  return static_cast<std::size_t>(reply.at(0).integer());
}

Result<std::size_t> RedisEventConsumer::prune_consumers(std::chrono::milliseconds min_idle) {
  TL_TRY_ASSIGN(auto reply, run({"XINFO", "CONSUMERS", options_.key, group_}));
  std::vector<std::string> gone;
  for (std::size_t i = 0; i < reply.size(); ++i) {
    const auto fields = reply.at(i);
    const auto name = field_of(fields, "name").value_or("");
    if (name.empty() || name == name_) continue;
    if (integer_field(fields, "pending") == 0 && integer_field(fields, "idle") >= min_idle.count()) {
      gone.emplace_back(name);
    }
  }
  std::size_t removed = 0;
  for (const auto& name : gone) {
    TL_TRY(run({"XGROUP", "DELCONSUMER", options_.key, group_, name}));
    ++removed;
  }
  return removed;
}

}  // namespace talkline::jobs::redis
