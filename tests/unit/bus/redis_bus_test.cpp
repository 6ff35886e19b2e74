// The Bus suite and the Redis bus's own behaviour, against a throwaway redis-server
// this binary starts itself (tests/support/redis_server.hpp).
#include "bus/redis/redis_bus.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "conformance/bus_conformance.hpp"
#include "support/redis_server.hpp"

namespace talkline::bus::redis {
namespace {

using namespace std::chrono_literals;
using talkline::testing::RedisServer;

// A channel prefix no other bus of this binary uses: each test is its own cluster.
std::string fresh_prefix() {
  static std::atomic<int> next{0};
  return "t" + std::to_string(++next) + ":";
}

// The bus's options and the client it runs on.
struct Options : RedisBusOptions {
  talkline::redis::Client client{{}};
};

Options options_for(const RedisServer& server, const std::string& prefix, int port = 0) {
  auto client = server.client_options();
  if (port != 0) client.endpoint.port = port;
  Options options;
  options.client = talkline::redis::Client(client);
  options.channel_prefix = prefix;
  return options;
}

std::unique_ptr<Bus> connected_bus(const Options& options) {
  auto bus = std::make_unique<RedisBus>(options.client, options);
  if (!bus->wait_until_healthy(10s)) throw std::runtime_error("the redis bus did not connect in 10 s");
  return bus;
}

// ---- the shared Bus suite ------------------------------------------------------------

TALKLINE_INSTANTIATE_BUS_CONFORMANCE(
    Redis, conformance::BusFactory{
               "redis", [] { return connected_bus(options_for(RedisServer::shared(), fresh_prefix())); },
               [] {
                 return conformance::BusMaker(
                     [options = options_for(RedisServer::shared(), fresh_prefix())] { return connected_bus(options); });
               }});

// ---- behaviour particular to the Redis bus ------------------------------------------

Envelope to_user(model::Id user, std::string event, model::Seq seq = 0) {
  Envelope envelope;
  envelope.user_ids = {user};
  envelope.event = std::move(event);
  envelope.change_seq = seq;
  envelope.payload_json = "{}";
  return envelope;
}

// Publishes probes for `user` on `from` until one reaches `to`.
bool probe(Bus& from, conformance::Inbox& to, model::Id user, std::chrono::milliseconds deadline = 15s) {
  static std::atomic<int> calls{0};
  const std::string event = "probe:" + std::to_string(++calls);
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    from.publish(to_user(user, event));
    if (to.wait_for_event(event, 20ms)) return true;
  }
  return false;
}

std::shared_ptr<conformance::Inbox> inbox_of(Bus& bus) {
  auto inbox = std::make_shared<conformance::Inbox>();
  bus.subscribe([inbox](const Envelope& envelope) { inbox->push(envelope); });
  return inbox;
}

TEST(RedisBus, ResubscribesEveryInterestAfterRedisRestarts) {
  RedisServer server;  // its own: this test kills it
  const auto options = options_for(server, fresh_prefix());
  RedisBus a(options.client, options);
  RedisBus b(options.client, options);
  ASSERT_TRUE(a.wait_until_healthy(10s));
  ASSERT_TRUE(b.wait_until_healthy(10s));
  auto at_b = inbox_of(b);
  b.add_interest(7);
  b.add_interest(8);
  ASSERT_TRUE(probe(a, *at_b, 7));

  server.stop();
  // Both notice: the publisher when it next writes, the subscriber by EOF or PING.
  a.publish(to_user(7, "lost"));
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while ((a.healthy() || b.healthy()) && std::chrono::steady_clock::now() < deadline) {
    a.publish(to_user(7, "lost"));
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_FALSE(b.healthy()) << "the subscriber did not notice Redis going away";

  server.start();
  ASSERT_TRUE(a.wait_until_healthy(15s));
  ASSERT_TRUE(b.wait_until_healthy(15s));
  EXPECT_TRUE(probe(a, *at_b, 7)) << "user 7 was not subscribed again";
  EXPECT_TRUE(probe(a, *at_b, 8)) << "user 8 was not subscribed again";
  EXPECT_GE(b.stats().reconnects, 1U);
}

TEST(RedisBus, NoticesAPausedRedisAndCarriesOnWhenItAnswersAgain) {
  RedisServer server;  // its own: this test pauses it
  const auto options = options_for(server, fresh_prefix());
  RedisBus a(options.client, options);
  RedisBus b(options.client, options);
  ASSERT_TRUE(a.wait_until_healthy(10s));
  ASSERT_TRUE(b.wait_until_healthy(10s));
  auto at_b = inbox_of(b);
  b.add_interest(7);
  ASSERT_TRUE(probe(a, *at_b, 7));

  server.pause();
  // The quiet subscriber PINGs and gives up after io_timeout; publishing never waits.
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while (b.healthy() && std::chrono::steady_clock::now() < deadline) {
    const auto before = std::chrono::steady_clock::now();
    a.publish(to_user(7, "during-pause"));
    EXPECT_LT(std::chrono::steady_clock::now() - before, 500ms) << "publish blocked on a paused Redis";
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_FALSE(b.healthy()) << "a paused Redis went unnoticed";

  server.resume();
  ASSERT_TRUE(b.wait_until_healthy(15s));
  ASSERT_TRUE(a.wait_until_healthy(15s));
  EXPECT_TRUE(probe(a, *at_b, 7)) << "user 7 was not subscribed again after the pause";
}

TEST(RedisBus, PublishNeitherBlocksNorGrowsWhileRedisIsDown) {
  auto options = options_for(RedisServer::shared(), fresh_prefix(), 1);  // nothing listens there
  options.max_queued_bytes = 64 * 1024;
  RedisBus bus(options.client, options);
  auto local = inbox_of(bus);
  EXPECT_FALSE(bus.healthy());

  Envelope envelope = to_user(5, "message:new");
  envelope.payload_json = std::string(1000, 'x');
  const auto started = std::chrono::steady_clock::now();
  constexpr int kCount = 10'000;
  for (int i = 0; i < kCount; ++i) bus.publish(envelope);
  const auto took = std::chrono::steady_clock::now() - started;

  EXPECT_LT(took, 2s) << "publish waited on the network";
  const auto stats = bus.stats();
  EXPECT_LE(stats.queued_bytes, options.max_queued_bytes);
  EXPECT_GT(stats.dropped, static_cast<std::uint64_t>(kCount) * 9 / 10);
  // The node's own connections were served throughout.
  EXPECT_EQ(local->size(), static_cast<std::size_t>(kCount));
}

TEST(RedisBus, AwaitInterestAnswersOnceTheChannelIsSubscribed) {
  const auto options = options_for(RedisServer::shared(), fresh_prefix());
  RedisBus a(options.client, options);
  RedisBus b(options.client, options);
  ASSERT_TRUE(a.wait_until_healthy(10s));
  ASSERT_TRUE(b.wait_until_healthy(10s));
  auto at_b = inbox_of(b);
  b.add_interest(42);
  std::promise<void> ready;
  b.await_interest(42, [&ready] { ready.set_value(); });
  ASSERT_EQ(ready.get_future().wait_for(10s), std::future_status::ready);
  // From the moment it answered, the very first publish gets through: no probing.
  a.publish(to_user(42, "message:new", 1));
  ASSERT_TRUE(at_b->wait_for(1, 10s));
  EXPECT_EQ(at_b->received().front().change_seq, 1);
}

TEST(RedisBus, AwaitInterestAnswersAtOnceWhileRedisIsDown) {
  auto options = options_for(RedisServer::shared(), fresh_prefix(), 1);
  RedisBus bus(options.client, options);
  bus.add_interest(1);
  bool called = false;
  bus.await_interest(1, [&called] { called = true; });
  EXPECT_TRUE(called);
}

}  // namespace
}  // namespace talkline::bus::redis
