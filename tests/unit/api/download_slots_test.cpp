#include "api/v1/download_slots.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace talkline::api::v1 {
namespace {

TEST(DownloadSlots, HandsOutAtMostItsCapacityAndTakesSlotsBackWithTheirTokens) {
  DownloadSlots slots(2);
  auto first = slots.take();
  auto second = slots.take();
  ASSERT_TRUE(first);
  ASSERT_TRUE(second);
  EXPECT_FALSE(slots.take());
  auto copy = first;  // a producer copied along with its response
  first.reset();
  EXPECT_FALSE(slots.take()) << "the slot is held while any copy of its token lives";
  copy.reset();
  EXPECT_TRUE(slots.take());
}

TEST(DownloadSlots, ATokenMayOutliveTheSlots) {
  std::shared_ptr<void> token;
  {
    DownloadSlots slots(1);
    token = slots.take();
    ASSERT_TRUE(token);
  }
  token.reset();  // gives the slot back to a count the token kept alive
}

}  // namespace
}  // namespace talkline::api::v1
