// The presence suite and the Redis directory's own behaviour, against a throwaway
// redis-server this binary starts itself (tests/support/redis_server.hpp).
#include "presence/redis/redis_presence_directory.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "conformance/presence_conformance.hpp"
#include "redis/connection.hpp"
#include "support/redis_server.hpp"

namespace talkline::presence::redis {
namespace {

using namespace std::chrono_literals;
using talkline::testing::RedisServer;

constexpr auto kTtl = 3000ms;

// A key prefix no other directory of this binary uses: each cluster stays apart.
std::string fresh_prefix() {
  static std::atomic<int> next{0};
  return "tp" + std::to_string(++next) + ":";
}

struct Options {
  talkline::redis::ClientOptions client;
  RedisPresenceOptions presence;
};

Options options_for(const RedisServer& server, const std::string& prefix) {
  Options options{server.client_options(), {}};
  options.presence.key_prefix = prefix;
  options.presence.ttl = kTtl;
  return options;
}

std::unique_ptr<RedisPresenceDirectory> connected(const Options& options) {
  auto directory = std::make_unique<RedisPresenceDirectory>(talkline::redis::Client(options.client), options.presence);
  if (!directory->wait_until_healthy(10s)) throw std::runtime_error("the presence directory did not connect in 10 s");
  return directory;
}

conformance::PresenceCluster cluster_on(std::shared_ptr<RedisServer> server, bool restartable) {
  conformance::PresenceCluster cluster;
  cluster.make_node = [server, options = options_for(*server, fresh_prefix())] {
    return std::unique_ptr<PresenceDirectory>(connected(options));
  };
  if (restartable) {
    cluster.stop_server = [server] { server->stop(); };
    cluster.start_server = [server] { server->start(); };
  }
  return cluster;
}

// ---- the shared presence suite ----------------------------------------------------------

TALKLINE_INSTANTIATE_PRESENCE_CONFORMANCE(Redis, conformance::PresenceFactory{
                                                     "redis",
                                                     [](bool own_server) {
                                                       if (own_server)
                                                         return cluster_on(std::make_shared<RedisServer>(), true);
                                                       // The shared server lives for the whole binary.
                                                       std::shared_ptr<RedisServer> shared(&RedisServer::shared(),
                                                                                           [](RedisServer*) {});
                                                       return cluster_on(shared, false);
                                                     },
                                                     true, kTtl});

// ---- behaviour particular to the Redis directory ----------------------------------------

std::unique_ptr<talkline::redis::Connection> raw_connection() {
  const auto options = RedisServer::shared().client_options();
  auto connection = talkline::redis::Connection::open(options.endpoint, options.connect, "test");
  if (!connection) throw std::runtime_error("cannot reach the test redis-server");
  return connection;
}

bool answer_of(RedisPresenceDirectory& directory, Id user, bool online) {
  auto answer = std::make_shared<std::promise<bool>>();
  auto done = [answer](bool yes) { answer->set_value(yes); };
  if (online) {
    directory.node_online(user, done);
  } else {
    directory.node_offline(user, 1, done);
  }
  auto future = answer->get_future();
  if (future.wait_for(10s) != std::future_status::ready) throw std::runtime_error("no answer in 10 s");
  return future.get();
}

TEST(RedisPresenceDirectory, KeepsItsEntriesUnderTheKeyPrefix) {
  const auto prefix = fresh_prefix();
  auto directory = connected(options_for(RedisServer::shared(), prefix));
  auto redis = raw_connection();
  const std::string member = "42:" + directory->node_token();
  ASSERT_TRUE(answer_of(*directory, 42, true));
  EXPECT_EQ(redis->command({"EXISTS", prefix + "p:42"}).integer(), 1);
  EXPECT_FALSE(redis->command({"ZSCORE", prefix + "p:42", directory->node_token()}).is_nil());
  EXPECT_FALSE(redis->command({"ZSCORE", prefix + "p:expiry", member}).is_nil());
  ASSERT_TRUE(answer_of(*directory, 42, false));
  EXPECT_EQ(redis->command({"EXISTS", prefix + "p:42"}).integer(), 0);
  EXPECT_TRUE(redis->command({"ZSCORE", prefix + "p:expiry", member}).is_nil());
}

TEST(RedisPresenceDirectory, HeartbeatsKeepEntriesAliveLongPastTheTtl) {
  const auto options = options_for(RedisServer::shared(), fresh_prefix());
  auto holder = connected(options);
  auto other = connected(options);
  conformance::PresenceReports reports;
  reports.watch(*other, 1);
  ASSERT_TRUE(answer_of(*holder, 5, true));
  std::this_thread::sleep_for(kTtl + 1500ms);
  EXPECT_EQ(other->offline_among({5}), std::vector<Id>{});
  EXPECT_TRUE(reports.expired_of(5).empty());
}

TEST(RedisPresenceDirectory, AnEntryLostFromRedisIsAddedBackAndReportedRestored) {
  const auto prefix = fresh_prefix();
  auto directory = connected(options_for(RedisServer::shared(), prefix));
  conformance::PresenceReports reports;
  reports.watch(*directory, 0);
  ASSERT_TRUE(answer_of(*directory, 77, true));
  raw_connection()->command({"DEL", prefix + "p:77"});
  const auto until = std::chrono::steady_clock::now() + kTtl;
  while (reports.restored_of(77).empty() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(reports.restored_of(77).size(), 1u) << "the next heartbeat should find the entry gone";
  EXPECT_EQ(directory->offline_among({77}), std::vector<Id>{});
  EXPECT_EQ(raw_connection()->command({"EXISTS", prefix + "p:77"}).integer(), 1);
}

TEST(RedisPresenceDirectory, AStuckServerDelaysAnswersButNeverTheCaller) {
  auto server = std::make_shared<RedisServer>();
  const auto options = options_for(*server, fresh_prefix());
  auto directory = connected(options);
  server->pause();
  auto answer = std::make_shared<std::promise<bool>>();
  const auto called = std::chrono::steady_clock::now();
  directory->node_online(9, [answer](bool yes) { answer->set_value(yes); });
  EXPECT_LT(std::chrono::steady_clock::now() - called, 500ms) << "node_online waited for Redis";
  auto future = answer->get_future();
  ASSERT_EQ(future.wait_for(options.client.connect.io_timeout + 2s), std::future_status::ready)
      << "no answer after the I/O timeout";
  EXPECT_TRUE(future.get()) << "best guess: nobody else known to hold the user";
  EXPECT_FALSE(directory->healthy());
  server->resume();
  ASSERT_TRUE(directory->wait_until_healthy(10s));
  auto other = connected(options);
  EXPECT_EQ(other->offline_among({9}), std::vector<Id>{}) << "the user was added once Redis answered again";
}

}  // namespace
}  // namespace talkline::presence::redis
