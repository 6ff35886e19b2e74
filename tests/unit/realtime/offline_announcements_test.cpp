// OfflineAnnouncements records the lastSeenAt of every user who went offline while a batch
// was being handled in one store write, and announces each user only after it.
#include "realtime/offline_announcements.hpp"

#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <deque>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace talkline::realtime {
namespace {

// Stands in for the gateway: a pool that runs posted drains only when asked, a store
// that counts its writes, and contacts that hear announcements; `log` keeps the order.
class OfflineAnnouncementsTest : public ::testing::Test {
 protected:
  OfflineAnnouncements offline_{[this](std::function<void()> drain) { posted_.push_back(std::move(drain)); },
                                {.online_again = [this](model::Id user) { return online_.contains(user); },
                                 .record = [this](const std::vector<model::LastSeen>& seen) -> Result<void> {
                                   writes_.push_back(seen);
                                   for (const auto& s : seen) log_.push_back("record " + std::to_string(s.user_id));
                                   if (during_write_) std::exchange(during_write_, nullptr)();
                                   if (fail_writes_) return Error::unavailable("store is down");
                                   return ok_result();
                                 },
                                 .announce =
                                     [this](const model::LastSeen& seen) {
                                       announced_.push_back(seen);
                                       log_.push_back("announce " + std::to_string(seen.user_id));
                                     }}};

  void run_posted() {
    while (!posted_.empty()) {
      auto drain = std::move(posted_.front());
      posted_.pop_front();
      drain();
    }
  }

  std::deque<std::function<void()>> posted_;
  std::set<model::Id> online_;
  std::vector<std::vector<model::LastSeen>> writes_;
  std::vector<model::LastSeen> announced_;
  std::vector<std::string> log_;
  std::function<void()> during_write_;
  bool fail_writes_ = false;
};

TEST_F(OfflineAnnouncementsTest, UsersQueuedBeforeTheDrainRunsAreRecordedInOneWrite) {
  for (model::Id user = 1; user <= 1000; ++user) offline_.add({user, 5000 + user});
  EXPECT_EQ(posted_.size(), 1U) << "one drain for the lot";
  run_posted();
  ASSERT_EQ(writes_.size(), 1U);
  ASSERT_EQ(writes_[0].size(), 1000U);
  EXPECT_EQ(writes_[0][999].user_id, 1000);
  EXPECT_EQ(writes_[0][999].at, 6000);
  ASSERT_EQ(announced_.size(), 1000U);
  EXPECT_EQ(announced_.front().user_id, 1);
  EXPECT_EQ(announced_.back().at, 6000);
}

TEST_F(OfflineAnnouncementsTest, UsersArrivingWhileADrainRunsShareTheNextWrite) {
  offline_.add({1, 100});
  during_write_ = [this] {
    for (model::Id user = 2; user <= 51; ++user) offline_.add({user, 100 + user});
  };
  run_posted();
  EXPECT_TRUE(posted_.empty()) << "the running drain takes them; no second one is posted";
  ASSERT_EQ(writes_.size(), 2U);
  EXPECT_EQ(writes_[0].size(), 1U);
  EXPECT_EQ(writes_[1].size(), 50U);
  EXPECT_EQ(announced_.size(), 51U);
}

TEST_F(OfflineAnnouncementsTest, EveryUserOfABatchIsRecordedBeforeAnyIsAnnounced) {
  offline_.add({1, 100});
  offline_.add({2, 200});
  run_posted();
  EXPECT_EQ(log_, (std::vector<std::string>{"record 1", "record 2", "announce 1", "announce 2"}));
}

TEST_F(OfflineAnnouncementsTest, AUserOnlineAgainIsNeitherRecordedNorAnnounced) {
  offline_.add({1, 100});
  offline_.add({2, 200});
  online_.insert(1);
  run_posted();
  ASSERT_EQ(writes_.size(), 1U);
  ASSERT_EQ(writes_[0].size(), 1U);
  EXPECT_EQ(writes_[0][0].user_id, 2);
  ASSERT_EQ(announced_.size(), 1U);
  EXPECT_EQ(announced_[0].user_id, 2);
}

TEST_F(OfflineAnnouncementsTest, NothingIsWrittenWhenEveryoneIsOnlineAgain) {
  offline_.add({1, 100});
  online_.insert(1);
  run_posted();
  EXPECT_TRUE(writes_.empty());
  EXPECT_TRUE(announced_.empty());
}

TEST_F(OfflineAnnouncementsTest, AFailedWriteStillAnnouncesTheUsers) {
  fail_writes_ = true;
  offline_.add({1, 100});
  offline_.add({2, 200});
  run_posted();
  EXPECT_EQ(writes_.size(), 1U);
  EXPECT_EQ(announced_.size(), 2U);
}

TEST_F(OfflineAnnouncementsTest, AnAnnouncementAfterTheDrainEndedPostsANewOne) {
  offline_.add({1, 100});
  run_posted();
  offline_.add({2, 200});
  EXPECT_EQ(posted_.size(), 1U);
  run_posted();
  ASSERT_EQ(writes_.size(), 2U);
  EXPECT_EQ(writes_[1][0].user_id, 2);
}

TEST(OfflineAnnouncements, ManyThreadsAddingOnARealPoolGetEveryUserRecordedOnceWithNoTwoDrainsAtOnce) {
  boost::asio::thread_pool pool(2);
  std::atomic<int> draining{0};
  std::atomic<bool> overlapped{false};
  std::atomic<std::size_t> recorded{0};
  std::atomic<std::size_t> announced{0};
  OfflineAnnouncements offline([&pool](std::function<void()> drain) { boost::asio::post(pool, std::move(drain)); },
                               {.online_again = [](model::Id) { return false; },
                                .record = [&](const std::vector<model::LastSeen>& seen) -> Result<void> {
                                  if (draining.fetch_add(1) != 0) overlapped = true;
                                  recorded += seen.size();
                                  std::this_thread::yield();
                                  draining.fetch_sub(1);
                                  return ok_result();
                                },
                                .announce = [&](const model::LastSeen&) { ++announced; }});
  std::vector<std::thread> adders;
  for (int t = 0; t < 4; ++t) {
    adders.emplace_back([&offline, t] {
      for (model::Id user = 1; user <= 1000; ++user) offline.add({t * 1000 + user, user});
    });
  }
  for (auto& adder : adders) adder.join();
  pool.join();
  EXPECT_FALSE(overlapped);
  EXPECT_EQ(recorded, 4000U);
  EXPECT_EQ(announced, 4000U);
}

}  // namespace
}  // namespace talkline::realtime
