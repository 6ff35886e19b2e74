#include "realtime/typing_tracker.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace talkline::realtime {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

TEST(TypingTracker, NothingExpiresBeforeItsTime) {
  TypingTracker tracker;
  tracker.typing(1, 10, {1, 2, 3}, 5000);
  EXPECT_THAT(tracker.take_expired(4999), IsEmpty());
}

TEST(TypingTracker, ExpiredIndicatorIsTakenOnceWithItsMembers) {
  TypingTracker tracker;
  tracker.typing(1, 10, {1, 2, 3}, 5000);

  const auto expired = tracker.take_expired(6000);
  ASSERT_THAT(expired, SizeIs(1));
  EXPECT_EQ(expired[0].user_id, 1);
  EXPECT_EQ(expired[0].conversation_id, 10);
  EXPECT_THAT(expired[0].member_ids, ElementsAre(1, 2, 3));

  EXPECT_THAT(tracker.take_expired(7000), IsEmpty());
  EXPECT_FALSE(tracker.stopped(1, 10));
}

TEST(TypingTracker, RefreshExtendsTheDeadlineAndReplacesTheMembers) {
  TypingTracker tracker;
  tracker.typing(1, 10, {1, 2}, 5000);
  tracker.typing(1, 10, {1, 2, 4}, 9000);

  EXPECT_THAT(tracker.take_expired(6000), IsEmpty());
  const auto expired = tracker.take_expired(9500);
  ASSERT_THAT(expired, SizeIs(1));
  EXPECT_THAT(expired[0].member_ids, ElementsAre(1, 2, 4));
}

TEST(TypingTracker, StoppedIsTrueOnlyWhileTyping) {
  TypingTracker tracker;
  EXPECT_FALSE(tracker.stopped(1, 10));
  tracker.typing(1, 10, {1, 2}, 5000);
  EXPECT_TRUE(tracker.stopped(1, 10));
  EXPECT_FALSE(tracker.stopped(1, 10));
  // A stopped indicator never expires later.
  EXPECT_THAT(tracker.take_expired(100000), IsEmpty());
}

TEST(TypingTracker, EachUserAndConversationIsTrackedSeparately) {
  TypingTracker tracker;
  tracker.typing(1, 10, {1, 2}, 5000);
  tracker.typing(1, 11, {1, 3}, 8000);
  tracker.typing(2, 10, {1, 2}, 6000);

  EXPECT_TRUE(tracker.stopped(2, 10));
  EXPECT_FALSE(tracker.stopped(2, 11));

  const auto first = tracker.take_expired(7000);
  ASSERT_THAT(first, SizeIs(1));
  EXPECT_EQ(first[0].user_id, 1);
  EXPECT_EQ(first[0].conversation_id, 10);

  const auto second = tracker.take_expired(8000);
  ASSERT_THAT(second, SizeIs(1));
  EXPECT_EQ(second[0].user_id, 1);
  EXPECT_EQ(second[0].conversation_id, 11);
  EXPECT_THAT(second[0].member_ids, ElementsAre(1, 3));
}

TEST(TypingTracker, TakeExpiredReturnsEveryIndicatorPastItsTime) {
  TypingTracker tracker;
  tracker.typing(1, 10, {}, 1000);
  tracker.typing(2, 10, {}, 2000);
  tracker.typing(3, 10, {}, 3000);
  const auto expired = tracker.take_expired(2500);
  ASSERT_THAT(expired, SizeIs(2));
  EXPECT_THAT((std::vector<model::Id>{expired[0].user_id, expired[1].user_id}), ::testing::UnorderedElementsAre(1, 2));
  EXPECT_TRUE(tracker.stopped(3, 10));
}

}  // namespace
}  // namespace talkline::realtime
