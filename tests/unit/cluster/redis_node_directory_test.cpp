// Node numbers and addresses of a cluster, against a throwaway redis-server this
// binary starts itself (tests/support/redis_server.hpp).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "cluster/node_directory.hpp"
#include "redis/connection.hpp"
#include "support/redis_server.hpp"

namespace talkline::cluster {
namespace {

using namespace std::chrono_literals;
using talkline::testing::RedisServer;

std::string fresh_prefix() {
  static std::atomic<int> next{0};
  return "nd" + std::to_string(++next) + ":";
}

// The directory's options and the client it runs on.
struct Options : NodeDirectoryOptions {
  redis::ClientOptions client;
};

Options options_for(const RedisServer& server, const std::string& prefix, std::optional<int> fixed_id = std::nullopt) {
  Options options;
  options.client = server.client_options();
  options.key_prefix = prefix;
  options.fixed_id = fixed_id;
  options.lease = 3000ms;
  options.address_cache = 200ms;
  return options;
}

Result<std::unique_ptr<NodeDirectory>> open(const Options& options, std::function<void()> on_lost = {}) {
  return NodeDirectory::open(redis::Client(options.client), options, std::move(on_lost));
}

std::unique_ptr<NodeDirectory> open_ok(const Options& options, std::function<void()> on_lost = {}) {
  auto opened = open(options, std::move(on_lost));
  if (!opened.ok()) throw std::runtime_error(opened.error().message);
  return std::move(opened).value();
}

std::optional<std::string> locate(NodeDirectory& directory, int id) {
  std::promise<std::optional<std::string>> answer;
  auto future = answer.get_future();
  directory.locate(id, [&answer](std::optional<std::string> address) { answer.set_value(std::move(address)); });
  if (future.wait_for(5s) != std::future_status::ready) throw std::runtime_error("locate did not answer");
  return future.get();
}

// Polls until `id` resolves to `expected` (registrations reach Redis from a thread).
bool eventually_located(NodeDirectory& directory, int id, const std::optional<std::string>& expected) {
  for (int i = 0; i < 100; ++i) {
    if (locate(directory, id) == expected) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

TEST(RedisNodeDirectory, LeasedNumbersAreDistinct) {
  auto& server = RedisServer::shared();
  const auto prefix = fresh_prefix();
  std::vector<std::unique_ptr<NodeDirectory>> nodes;
  std::set<int> ids;
  for (int i = 0; i < 8; ++i) {
    nodes.push_back(open_ok(options_for(server, prefix)));
    const int id = nodes.back()->node_id();
    EXPECT_GE(id, 1);
    EXPECT_LE(id, 1023);
    EXPECT_TRUE(ids.insert(id).second) << "number " << id << " leased twice";
  }
}

TEST(RedisNodeDirectory, LeasingFailsWhenEveryNumberIsTaken) {
  auto& server = RedisServer::shared();
  auto options = options_for(server, fresh_prefix());
  options.max_id = 2;
  auto first = open_ok(options);
  auto second = open_ok(options);
  EXPECT_NE(first->node_id(), second->node_id());
  auto third = open(options);
  ASSERT_FALSE(third.ok());
  EXPECT_NE(third.error().message.find("every node number"), std::string::npos) << third.error().message;
}

TEST(RedisNodeDirectory, OtherNodesFindAnAdvertisedAddress) {
  auto& server = RedisServer::shared();
  const auto prefix = fresh_prefix();
  auto owner = open_ok(options_for(server, prefix, 7));
  auto other = open_ok(options_for(server, prefix));
  EXPECT_EQ(owner->node_id(), 7);
  // Registered but not yet listening: no address to forward to.
  EXPECT_EQ(locate(*other, 7), std::nullopt);
  owner->advertise("127.0.0.1:18080");
  EXPECT_TRUE(eventually_located(*other, 7, std::string("127.0.0.1:18080")));
  EXPECT_EQ(locate(*other, 99), std::nullopt);
}

TEST(RedisNodeDirectory, AStoppedNodeIsForgotten) {
  auto& server = RedisServer::shared();
  const auto prefix = fresh_prefix();
  auto other = open_ok(options_for(server, prefix));
  int id = 0;
  {
    auto owner = open_ok(options_for(server, prefix));
    id = owner->node_id();
    owner->advertise("127.0.0.1:18081");
    ASSERT_TRUE(eventually_located(*other, id, std::string("127.0.0.1:18081")));
  }
  EXPECT_TRUE(eventually_located(*other, id, std::nullopt));
}

TEST(RedisNodeDirectory, AConfiguredNumberReplacesAStaleRegistration) {
  auto& server = RedisServer::shared();
  const auto prefix = fresh_prefix();
  auto link = redis::Connection::open(server.client_options().endpoint, server.client_options().connect, "test");
  ASSERT_TRUE(link);
  // What a node killed with -9 leaves behind until its lease runs out.
  link->command({"SET", prefix + "node:12", "oldtoken 127.0.0.1:1", "PX", "60000"});
  auto restarted = open_ok(options_for(server, prefix, 12));
  restarted->advertise("127.0.0.1:18082");
  auto other = open_ok(options_for(server, prefix));
  EXPECT_TRUE(eventually_located(*other, 12, std::string("127.0.0.1:18082")));
}

TEST(RedisNodeDirectory, ANumberTakenByAnotherNodeIsReportedLost) {
  auto& server = RedisServer::shared();
  const auto prefix = fresh_prefix();
  std::promise<void> lost;
  auto node = open_ok(options_for(server, prefix, 5), [&lost] { lost.set_value(); });
  auto link = redis::Connection::open(server.client_options().endpoint, server.client_options().connect, "test");
  ASSERT_TRUE(link);
  link->command({"SET", prefix + "node:5", "intruder 10.0.0.9:8080", "PX", "60000"});
  EXPECT_EQ(lost.get_future().wait_for(5s), std::future_status::ready);
}

TEST(RedisNodeDirectory, RegistersAgainAfterARedisRestart) {
  RedisServer server;  // its own: this test restarts it
  const auto prefix = fresh_prefix();
  auto owner = open_ok(options_for(server, prefix, 3));
  owner->advertise("127.0.0.1:18083");
  server.stop();
  server.start();  // empty: every registration is gone
  auto other = open_ok(options_for(server, prefix));
  EXPECT_TRUE(eventually_located(*other, 3, std::string("127.0.0.1:18083")));
}

TEST(RedisNodeDirectory, LeasingNeedsRedisButAConfiguredNumberDoesNot) {
  RedisServer server;
  auto options = options_for(server, fresh_prefix());
  server.stop();
  options.client.connect.connect_timeout = 300ms;
  EXPECT_FALSE(open(options).ok());
  options.fixed_id = 4;
  auto node = open(options);
  ASSERT_TRUE(node.ok());
  EXPECT_EQ((*node)->node_id(), 4);
  EXPECT_FALSE((*node)->healthy());
}

}  // namespace
}  // namespace talkline::cluster
