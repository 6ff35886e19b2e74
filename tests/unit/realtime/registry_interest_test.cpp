#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "realtime/registry.hpp"

namespace talkline::realtime {
namespace {

// Counts interest the way a networked bus would.
class InterestCounter final : public bus::Bus {
 public:
  void publish(const bus::Envelope&) override {}
  void subscribe(Handler) override {}
  void add_interest(model::Id user_id) override {
    std::lock_guard lock(mutex_);
    ++count_[user_id];
  }
  void remove_interest(model::Id user_id) override {
    std::lock_guard lock(mutex_);
    if (--count_[user_id] == 0) count_.erase(user_id);
  }
  int of(model::Id user_id) {
    std::lock_guard lock(mutex_);
    auto it = count_.find(user_id);
    return it == count_.end() ? 0 : it->second;
  }
  std::size_t users() {
    std::lock_guard lock(mutex_);
    return count_.size();
  }

 private:
  std::mutex mutex_;
  std::map<model::Id, int> count_;
};

class RegistryInterestTest : public ::testing::Test {
 protected:
  std::shared_ptr<Connection> connection(model::Id user_id) {
    services::Principal principal;
    principal.user_id = user_id;
    principal.connection_id = "sock-" + std::to_string(++next_socket_);
    return std::make_shared<Connection>(nullptr, principal, "10.0.0.1", loop_.get_executor(),
                                        boost::asio::make_strand(pool_.get_executor()), nullptr);
  }

  static constexpr int kNoLimit = 1 << 30;
  boost::asio::io_context loop_;
  boost::asio::thread_pool pool_{1};
  InterestCounter bus_;
  ConnectionRegistry registry_{&bus_};
  int next_socket_ = 0;
};

TEST_F(RegistryInterestTest, HoldsOneInterestPerUserWhileAnyConnectionIsOpen) {
  auto first = connection(1);
  auto second = connection(1);
  registry_.add(first, kNoLimit, kNoLimit);
  EXPECT_EQ(bus_.of(1), 1);
  registry_.add(second, kNoLimit, kNoLimit);
  EXPECT_EQ(bus_.of(1), 1) << "a second connection of the same user adds no interest";
  registry_.remove(*first);
  EXPECT_EQ(bus_.of(1), 1);
  registry_.remove(*second);
  EXPECT_EQ(bus_.of(1), 0);
  registry_.remove(*second);  // twice: nothing more
  EXPECT_EQ(bus_.users(), 0U);
}

TEST_F(RegistryInterestTest, RefusedConnectionsTakeNoInterest) {
  auto first = connection(1);
  registry_.add(first, 1, kNoLimit);
  ASSERT_FALSE(registry_.add(connection(1), 1, kNoLimit).admitted);
  ASSERT_FALSE(registry_.add(connection(2), 0, kNoLimit).admitted);
  EXPECT_EQ(bus_.of(1), 1);
  EXPECT_EQ(bus_.of(2), 0);
}

TEST_F(RegistryInterestTest, ClearReleasesEveryInterest) {
  registry_.add(connection(1), kNoLimit, kNoLimit);
  registry_.add(connection(1), kNoLimit, kNoLimit);
  registry_.add(connection(2), kNoLimit, kNoLimit);
  EXPECT_EQ(bus_.users(), 2U);
  registry_.clear();
  EXPECT_EQ(bus_.users(), 0U);
}

}  // namespace
}  // namespace talkline::realtime
