// The EventLog suite and the Redis Streams backend's own behaviour — outages, a paused
// server, the keys it uses — against a throwaway redis-server this binary starts itself.
#include "jobs/redis/redis_event_log.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "conformance/event_log_conformance.hpp"
#include "redis/connection.hpp"
#include "support/redis_server.hpp"
#include "util/json.hpp"

namespace talkline::jobs::redis {
namespace {

using namespace std::chrono_literals;
using talkline::testing::RedisServer;
using Clock = std::chrono::steady_clock;

// A stream key no other log of this binary uses.
std::string fresh_key() {
  static std::atomic<int> next{0};
  return "t" + std::to_string(++next) + ":events";
}

// The log's options and the client it runs on.
struct Options : RedisEventLogOptions {
  talkline::redis::Client client{{}};
};

Options options_for(const RedisServer& server, const conformance::EventLogLimits& limits = {}) {
  Options options;
  options.client = talkline::redis::Client(server.client_options());
  options.key = fresh_key();
  options.max_len = limits.max_len;
  options.max_queued = limits.max_queued;
  return options;
}

// ---- the shared EventLog suite -------------------------------------------------------

TALKLINE_INSTANTIATE_EVENT_LOG_CONFORMANCE(Redis, conformance::EventLogFactory{
                                                      "redis",
                                                      [](const conformance::EventLogLimits& limits) {
                                                        const auto options = options_for(RedisServer::shared(), limits);
                                                        return std::unique_ptr<EventLog>(
                                                            std::make_unique<RedisEventLog>(options.client, options));
                                                      },
                                                      [](EventLog&, bool stalled) {
                                                        if (stalled) {
                                                          RedisServer::shared().pause();
                                                        } else {
                                                          RedisServer::shared().resume();
                                                        }
                                                      }});

// ---- behaviour particular to the Redis backend ---------------------------------------

std::unique_ptr<talkline::redis::Connection> raw(const RedisServer& server) {
  const auto options = server.client_options();
  auto connection = talkline::redis::Connection::open(options.endpoint, options.connect, "test");
  if (!connection) throw std::runtime_error("cannot reach the test redis-server");
  return connection;
}

Event numbered(int n) { return {"", "test.event", R"({"n":)" + std::to_string(n) + "}"}; }

int number_of(const Event& event) {
  auto payload = util::parse_json_object(event.payload_json);
  return payload.ok() ? (*payload)["n"].get<int>() : -1;
}

// Reads until every number of `wanted` was seen (at least once), acking as it goes.
std::set<int> read_numbers(EventConsumer& consumer, const std::set<int>& wanted, std::chrono::milliseconds deadline) {
  std::set<int> seen;
  const auto until = Clock::now() + deadline;
  while (Clock::now() < until && !std::includes(seen.begin(), seen.end(), wanted.begin(), wanted.end())) {
    auto batch = consumer.read(100, 200ms);
    if (!batch.ok()) continue;
    std::vector<std::string> ids;
    for (const auto& event : *batch) {
      seen.insert(number_of(event));
      ids.push_back(event.id);
    }
    (void)consumer.ack(ids);
  }
  return seen;
}

TEST(RedisEventLog, UsesTheStreamKeyTheGroupAndADeadLetterStreamPerGroup) {
  auto options = options_for(RedisServer::shared());
  RedisEventLog log(options.client, options);
  auto consumer = log.consumer("offline-notifier", "node-a");
  ASSERT_TRUE(log.append(numbered(1)));
  ASSERT_TRUE(log.flush(10s));
  auto events = consumer->read(10, 1000ms);
  ASSERT_TRUE(events.ok()) << events.error().message;
  ASSERT_EQ(events->size(), 1U);
  ASSERT_TRUE(consumer->dead_letter(events->front(), "test").ok());

  auto redis = raw(RedisServer::shared());
  EXPECT_EQ(redis->command({"XLEN", options.key}).integer(), 1);
  EXPECT_EQ(redis->command({"XLEN", options.key + ":dead:offline-notifier"}).integer(), 1);
  auto groups = redis->command({"XINFO", "GROUPS", options.key});
  ASSERT_EQ(groups.size(), 1U);
  EXPECT_EQ(groups.at(0).at(1).text(), "offline-notifier");
  auto entry = redis->command({"XRANGE", options.key, "-", "+"});
  EXPECT_EQ(entry.at(0).at(0).text(), events->front().id);
}

TEST(RedisEventLog, ARestartedEmptyRedisGetsTheStreamAndTheGroupAgain) {
  RedisServer server;  // its own: this test kills it
  const auto options = options_for(server);
  RedisEventLog log(options.client, options);
  auto consumer = log.consumer("g", "a");
  for (int n = 0; n < 3; ++n) ASSERT_TRUE(log.append(numbered(n)));
  ASSERT_TRUE(log.flush(10s));
  EXPECT_EQ(read_numbers(*consumer, {0, 1, 2}, 10s), (std::set<int>{0, 1, 2}));

  server.stop();
  // While it is gone appends queue (and return at once), and reads fail without hanging.
  for (int n = 3; n < 5; ++n) {
    const auto before = Clock::now();
    ASSERT_TRUE(log.append(numbered(n)));
    EXPECT_LT(Clock::now() - before, 500ms);
  }
  const auto before = Clock::now();
  auto failed = consumer->read(10, 200ms);
  EXPECT_FALSE(failed.ok());
  EXPECT_LT(Clock::now() - before, 5s);

  server.start();
  ASSERT_TRUE(log.flush(15s)) << "the writer did not reconnect";
  // Nothing of the old stream survived the restart, so both events are new to the
  // group, which was made again from the beginning.
  EXPECT_EQ(read_numbers(*consumer, {3, 4}, 15s), (std::set<int>{3, 4}));
  EXPECT_EQ(log.stats().dropped, 0U);
}

TEST(RedisEventLog, APausedRedisNeverBlocksAppendAndEventsArriveAfterIt) {
  RedisServer server;  // its own: this test pauses it
  const auto options = options_for(server);
  RedisEventLog log(options.client, options);
  auto consumer = log.consumer("g", "a");
  ASSERT_TRUE(log.append(numbered(0)));
  ASSERT_TRUE(log.flush(10s));
  EXPECT_EQ(read_numbers(*consumer, {0}, 10s), std::set<int>{0});

  server.pause();
  for (int n = 1; n <= 5; ++n) {
    const auto before = Clock::now();
    ASSERT_TRUE(log.append(numbered(n)));
    EXPECT_LT(Clock::now() - before, 500ms) << "append waited for a paused Redis";
  }
  const auto before = Clock::now();
  (void)consumer->read(10, 200ms);
  EXPECT_LT(Clock::now() - before, 5s) << "a read hung on a paused Redis";
  std::this_thread::sleep_for(300ms);
  server.resume();

  ASSERT_TRUE(log.flush(15s));
  // At least once: an XADD the paused server still executed after the writer gave up
  // on its connection is stored twice (EventLog::append), so duplicates are allowed.
  EXPECT_EQ(read_numbers(*consumer, {1, 2, 3, 4, 5}, 15s), (std::set<int>{1, 2, 3, 4, 5}));
}

TEST(RedisEventLog, AppendsWhileRedisIsUnreachableAtStartAreWrittenOnceItComes) {
  RedisServer server;
  auto options = options_for(server);
  server.stop();
  RedisEventLog log(options.client, options);
  ASSERT_TRUE(log.append(numbered(1)));
  ASSERT_TRUE(log.append(numbered(2)));
  EXPECT_FALSE(log.flush(300ms));
  EXPECT_EQ(log.stats().queued, 2U);

  server.start();
  ASSERT_TRUE(log.flush(15s));
  EXPECT_EQ(raw(server)->command({"XLEN", options.key}).integer(), 2);
  EXPECT_EQ(log.stats().written, 2U);
}

}  // namespace
}  // namespace talkline::jobs::redis
