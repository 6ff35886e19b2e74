#include "realtime/registry.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace talkline::realtime {
namespace {

using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

// The registry never touches a connection's socket, loop or strand, so the connections
// here have no socket, and a loop and a strand that never run anything.
class ConnectionRegistryTest : public ::testing::Test {
 protected:
  std::shared_ptr<Connection> connection(model::Id user_id, const std::string& address = "10.0.0.1") {
    services::Principal principal;
    principal.user_id = user_id;
    principal.session_id = 1000 + user_id;
    principal.connection_id = "sock-" + std::to_string(++next_socket_);
    return std::make_shared<Connection>(nullptr, principal, address, loop_.get_executor(),
                                        boost::asio::make_strand(pool_.get_executor()), nullptr);
  }

  // Adds without limits in the way; reports whether the user came online.
  bool add(const std::shared_ptr<Connection>& c) { return registry_.add(c, kNoLimit, kNoLimit).first; }

  static constexpr int kNoLimit = 1 << 30;
  boost::asio::io_context loop_;
  boost::asio::thread_pool pool_{1};
  ConnectionRegistry registry_;
  int next_socket_ = 0;
};

TEST_F(ConnectionRegistryTest, StartsEmpty) {
  EXPECT_EQ(registry_.size(), 0U);
  EXPECT_THAT(registry_.all(), IsEmpty());
  EXPECT_THAT(registry_.of_user(1), IsEmpty());
  EXPECT_FALSE(registry_.is_online(1));
}

TEST_F(ConnectionRegistryTest, AddReportsOnlyTheUsersFirstConnection) {
  auto phone = connection(1);
  auto laptop = connection(1);
  auto other = connection(2);
  EXPECT_TRUE(add(phone));
  EXPECT_FALSE(add(laptop));
  EXPECT_TRUE(add(other));
  EXPECT_EQ(registry_.size(), 3U);
  EXPECT_TRUE(registry_.is_online(1));
  EXPECT_TRUE(registry_.is_online(2));
  EXPECT_FALSE(registry_.is_online(3));
}

TEST_F(ConnectionRegistryTest, RemoveReportsOnlyTheUsersLastConnection) {
  auto phone = connection(1);
  auto laptop = connection(1);
  add(phone);
  add(laptop);

  EXPECT_FALSE(registry_.remove(*phone));
  EXPECT_TRUE(registry_.is_online(1));
  EXPECT_EQ(registry_.size(), 1U);

  EXPECT_TRUE(registry_.remove(*laptop));
  EXPECT_FALSE(registry_.is_online(1));
  EXPECT_EQ(registry_.size(), 0U);
  EXPECT_THAT(registry_.of_user(1), IsEmpty());
}

TEST_F(ConnectionRegistryTest, UserComesOnlineAgainAfterGoingOffline) {
  auto first = connection(1);
  add(first);
  ASSERT_TRUE(registry_.remove(*first));
  EXPECT_TRUE(add(connection(1)));
  EXPECT_TRUE(registry_.is_online(1));
}

TEST_F(ConnectionRegistryTest, OfUserListsExactlyThatUsersConnections) {
  auto phone = connection(1);
  auto laptop = connection(1);
  auto other = connection(2);
  add(phone);
  add(other);
  add(laptop);
  EXPECT_THAT(registry_.of_user(1), UnorderedElementsAre(phone, laptop));
  EXPECT_THAT(registry_.of_user(2), UnorderedElementsAre(other));
  EXPECT_THAT(registry_.of_user(3), IsEmpty());
}

TEST_F(ConnectionRegistryTest, AllListsEveryConnectionOfEveryUser) {
  auto a = connection(1);
  auto b = connection(1);
  auto c = connection(2);
  auto d = connection(3, "10.0.0.9");
  for (const auto& each : {a, b, c, d}) add(each);
  EXPECT_THAT(registry_.all(), UnorderedElementsAre(a, b, c, d));
  registry_.remove(*b);
  EXPECT_THAT(registry_.all(), UnorderedElementsAre(a, c, d));
  EXPECT_EQ(registry_.size(), 3U);
}

TEST_F(ConnectionRegistryTest, RemovingAnUnknownConnectionIsHarmless) {
  auto known = connection(1);
  add(known);

  auto stranger_of_known_user = connection(1);
  auto stranger = connection(2);
  EXPECT_FALSE(registry_.remove(*stranger_of_known_user));
  EXPECT_FALSE(registry_.remove(*stranger));

  EXPECT_EQ(registry_.size(), 1U);
  EXPECT_TRUE(registry_.is_online(1));
  EXPECT_THAT(registry_.of_user(1), UnorderedElementsAre(known));
  // The address count was not decremented by the strangers either.
  EXPECT_FALSE(registry_.admits(9, "10.0.0.1", 10, 1));
}

TEST_F(ConnectionRegistryTest, RemovingTheSameConnectionTwiceCountsItOnce) {
  auto phone = connection(1);
  auto laptop = connection(1);
  add(phone);
  add(laptop);
  EXPECT_FALSE(registry_.remove(*phone));
  EXPECT_FALSE(registry_.remove(*phone));
  EXPECT_EQ(registry_.size(), 1U);
  EXPECT_TRUE(registry_.is_online(1));
  EXPECT_THAT(registry_.of_user(1), UnorderedElementsAre(laptop));
}

TEST_F(ConnectionRegistryTest, AdmitsUpToThePerUserLimit) {
  EXPECT_TRUE(registry_.admits(1, "10.0.0.1", 2, 100));
  add(connection(1, "10.0.0.1"));
  EXPECT_TRUE(registry_.admits(1, "10.0.0.1", 2, 100));
  auto second = connection(1, "10.0.0.2");
  add(second);

  EXPECT_FALSE(registry_.admits(1, "10.0.0.1", 2, 100));
  EXPECT_FALSE(registry_.admits(1, "10.0.0.3", 2, 100));
  // Other users are not held to this user's count.
  EXPECT_TRUE(registry_.admits(2, "10.0.0.1", 2, 100));

  registry_.remove(*second);
  EXPECT_TRUE(registry_.admits(1, "10.0.0.1", 2, 100));
}

TEST_F(ConnectionRegistryTest, AdmitsUpToThePerAddressLimitAcrossUsers) {
  add(connection(1, "10.0.0.1"));
  auto second = connection(2, "10.0.0.1");
  add(second);

  EXPECT_FALSE(registry_.admits(3, "10.0.0.1", 100, 2));
  EXPECT_TRUE(registry_.admits(3, "10.0.0.2", 100, 2));
  EXPECT_TRUE(registry_.admits(3, "10.0.0.1", 100, 3));

  registry_.remove(*second);
  EXPECT_TRUE(registry_.admits(3, "10.0.0.1", 100, 2));
}

TEST_F(ConnectionRegistryTest, AdmitsNeedsBothLimitsToHold) {
  add(connection(1, "10.0.0.1"));
  EXPECT_FALSE(registry_.admits(1, "10.0.0.2", 1, 100));  // user full, address free
  EXPECT_FALSE(registry_.admits(2, "10.0.0.1", 100, 1));  // address full, user free
  EXPECT_TRUE(registry_.admits(2, "10.0.0.2", 1, 1));
}

TEST_F(ConnectionRegistryTest, AddRefusesPastEitherLimitAndLeavesNoTrace) {
  EXPECT_TRUE(registry_.add(connection(1, "10.0.0.1"), 1, 100).admitted);
  auto refused_user = registry_.add(connection(1, "10.0.0.2"), 1, 100);
  EXPECT_FALSE(refused_user.admitted);
  auto refused_address = registry_.add(connection(2, "10.0.0.1"), 100, 1);
  EXPECT_FALSE(refused_address.admitted);
  EXPECT_EQ(registry_.size(), 1u);
  EXPECT_FALSE(registry_.is_online(2));
  EXPECT_TRUE(registry_.admits(2, "10.0.0.2", 1, 1));  // the refusals reserved nothing
}

TEST_F(ConnectionRegistryTest, ConcurrentAddsAndRemovesKeepTheCountsRight) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 200;
  std::vector<std::vector<std::shared_ptr<Connection>>> made(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) made[t].push_back(connection(1 + i % 5, "10.0.0." + std::to_string(t)));
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (const auto& c : made[t]) add(c);
      for (int i = 0; i < kPerThread; i += 2) registry_.remove(*made[t][i]);
    });
  }
  for (auto& thread : threads) thread.join();

  EXPECT_EQ(registry_.size(), static_cast<std::size_t>(kThreads * kPerThread / 2));
  EXPECT_EQ(registry_.all().size(), registry_.size());
  for (const auto& list : made) {
    for (const auto& c : list) registry_.remove(*c);
  }
  EXPECT_EQ(registry_.size(), 0U);
  EXPECT_THAT(registry_.all(), IsEmpty());
  for (model::Id user = 1; user <= 5; ++user) EXPECT_FALSE(registry_.is_online(user));
  EXPECT_TRUE(registry_.admits(1, "10.0.0.0", 1, 1));
}

}  // namespace
}  // namespace talkline::realtime
