#include "util/wakeup_batch.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>
#include <vector>

namespace talkline::util {
namespace {

TEST(WakeupBatch, OutsideABatchNothingIsHeld) {
  int woken = 0;
  EXPECT_FALSE(WakeupBatch::hold([&] { ++woken; }));
  EXPECT_EQ(woken, 0);
}

TEST(WakeupBatch, HeldWakeupsRunWhenTheBatchEndsInTheOrderHeld) {
  std::vector<int> order;
  {
    WakeupBatch batch;
    EXPECT_TRUE(WakeupBatch::hold([&] { order.push_back(1); }));
    EXPECT_TRUE(WakeupBatch::hold([&] { order.push_back(2); }));
    EXPECT_TRUE(order.empty());
  }
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  EXPECT_FALSE(WakeupBatch::hold([] {}));
}

TEST(WakeupBatch, OnlyTheOutermostBatchWakes) {
  std::vector<int> order;
  {
    WakeupBatch outer;
    {
      WakeupBatch inner;
      WakeupBatch::hold([&] { order.push_back(1); });
    }
    EXPECT_TRUE(order.empty());
  }
  EXPECT_EQ(order, (std::vector<int>{1}));
}

TEST(WakeupBatch, ABatchHoldsOnlyItsOwnThreadsWakeups) {
  WakeupBatch batch;
  bool held_elsewhere = true;
  std::thread other([&] { held_elsewhere = WakeupBatch::hold([] {}); });
  other.join();
  EXPECT_FALSE(held_elsewhere);
}

TEST(WakeupBatch, AWakeupThatThrowsDoesNotStopTheOthers) {
  bool later_ran = false;
  {
    WakeupBatch batch;
    WakeupBatch::hold([] { throw std::runtime_error("post failed"); });
    WakeupBatch::hold([&] { later_ran = true; });
  }
  EXPECT_TRUE(later_ran);
}

TEST(WakeupBatch, AWakeupIsNotHeldByTheBatchThatIsSendingIt) {
  bool nested_held = true;
  {
    WakeupBatch batch;
    WakeupBatch::hold([&] { nested_held = WakeupBatch::hold([] {}); });
  }
  EXPECT_FALSE(nested_held);
}

}  // namespace
}  // namespace talkline::util
