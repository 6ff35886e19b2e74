#include "ratelimit/local_rate_limiter.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace talkline::ratelimit {
namespace {

constexpr std::int64_t kStart = 1'795'796'383'000;

class LocalRateLimiterTest : public ::testing::Test {
 protected:
  util::ManualClock clock_{kStart};
  LocalRateLimiter limiter_{clock_};
};

TEST_F(LocalRateLimiterTest, AllowsUpToCapacityThenRefuses) {
  const Limit limit{5, 1};
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter_.acquire("k", limit).allowed) << i;
  const Decision refused = limiter_.acquire("k", limit);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_seconds, 1);
}

TEST_F(LocalRateLimiterTest, KeysHaveSeparateBuckets) {
  const Limit limit{1, 1};
  EXPECT_TRUE(limiter_.acquire("a", limit).allowed);
  EXPECT_FALSE(limiter_.acquire("a", limit).allowed);
  EXPECT_TRUE(limiter_.acquire("b", limit).allowed);
}

TEST_F(LocalRateLimiterTest, RefillsWithTime) {
  const Limit limit{2, 0.5};  // one token every two seconds
  EXPECT_TRUE(limiter_.acquire("k", limit).allowed);
  EXPECT_TRUE(limiter_.acquire("k", limit).allowed);
  EXPECT_FALSE(limiter_.acquire("k", limit).allowed);
  clock_.advance_ms(1999);
  EXPECT_FALSE(limiter_.acquire("k", limit).allowed);
  clock_.advance_ms(1);
  EXPECT_TRUE(limiter_.acquire("k", limit).allowed);
  EXPECT_FALSE(limiter_.acquire("k", limit).allowed);
}

TEST_F(LocalRateLimiterTest, RefillStopsAtCapacity) {
  const Limit limit{3, 10};
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter_.acquire("k", limit).allowed);
  clock_.advance_ms(3'600'000);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter_.acquire("k", limit).allowed);
  EXPECT_FALSE(limiter_.acquire("k", limit).allowed);
}

TEST_F(LocalRateLimiterTest, PeekDoesNotConsume) {
  const Limit limit{1, 1};
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(limiter_.peek("k", limit).allowed);
  EXPECT_EQ(limiter_.bucket_count(), 0U);
  EXPECT_TRUE(limiter_.acquire("k", limit).allowed);
  const Decision peeked = limiter_.peek("k", limit);
  EXPECT_FALSE(peeked.allowed);
  EXPECT_EQ(peeked.retry_after_seconds, 1);
  clock_.advance_ms(1000);
  EXPECT_TRUE(limiter_.peek("k", limit).allowed);
  EXPECT_TRUE(limiter_.acquire("k", limit).allowed);
}

TEST_F(LocalRateLimiterTest, RefusalTakesNothing) {
  const Limit limit{10, 1};
  EXPECT_TRUE(limiter_.acquire("k", limit, 8).allowed);
  EXPECT_FALSE(limiter_.acquire("k", limit, 5).allowed);
  EXPECT_TRUE(limiter_.acquire("k", limit, 2).allowed);
}

TEST_F(LocalRateLimiterTest, RetryAfterIsTheCeilingOfTheTimeToRegainTheCost) {
  const Limit limit{10, 2};  // two tokens a second
  EXPECT_TRUE(limiter_.acquire("k", limit, 10).allowed);
  EXPECT_EQ(limiter_.acquire("k", limit, 1).retry_after_seconds, 1);  // 0.5 s
  EXPECT_EQ(limiter_.acquire("k", limit, 3).retry_after_seconds, 2);  // 1.5 s
  EXPECT_EQ(limiter_.acquire("k", limit, 10).retry_after_seconds, 5);
  clock_.advance_ms(1250);                                          // 2.5 tokens back
  EXPECT_EQ(limiter_.peek("k", limit, 10).retry_after_seconds, 4);  // 7.5 missing: 3.75 s
}

TEST_F(LocalRateLimiterTest, RetryAfterIsAtLeastOneSecond) {
  const Limit limit{1, 1000};
  EXPECT_TRUE(limiter_.acquire("k", limit).allowed);
  const Decision refused = limiter_.acquire("k", limit);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_seconds, 1);
}

TEST_F(LocalRateLimiterTest, CostAboveCapacityIsAlwaysRefused) {
  const Decision refused = limiter_.acquire("k", Limit{5, 1}, 6);
  EXPECT_FALSE(refused.allowed);
  EXPECT_GE(refused.retry_after_seconds, 1);
}

TEST_F(LocalRateLimiterTest, ClockSteppingBackGrantsNothing) {
  const Limit limit{1, 1};
  EXPECT_TRUE(limiter_.acquire("k", limit).allowed);
  clock_.advance_ms(-10'000);
  EXPECT_FALSE(limiter_.acquire("k", limit).allowed);
  clock_.advance_ms(10'000);
  EXPECT_FALSE(limiter_.acquire("k", limit).allowed);
  clock_.advance_ms(1'000);
  EXPECT_TRUE(limiter_.acquire("k", limit).allowed);
}

TEST_F(LocalRateLimiterTest, SweepsIdleBucketsAtMostOncePerMinute) {
  const Limit fast{1, 1};
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(limiter_.acquire("idle:" + std::to_string(i), fast).allowed);
  EXPECT_EQ(limiter_.bucket_count(), 100U);
  clock_.advance_ms(30'000);  // all full again, but too soon to sweep
  EXPECT_TRUE(limiter_.acquire("other", fast).allowed);
  EXPECT_EQ(limiter_.bucket_count(), 101U);
  clock_.advance_ms(30'000);
  EXPECT_TRUE(limiter_.acquire("other2", fast).allowed);
  // "other" was used 30 s ago and is full; only the just-used key survives.
  EXPECT_EQ(limiter_.bucket_count(), 1U);
}

TEST_F(LocalRateLimiterTest, SweepKeepsBucketsThatAreStillRefilling) {
  const Limit slow{10, 0.01};  // ten tokens take 1000 s to come back
  EXPECT_TRUE(limiter_.acquire("slow", slow, 10).allowed);
  clock_.advance_ms(61'000);
  EXPECT_TRUE(limiter_.acquire("fast", Limit{1, 1}).allowed);
  EXPECT_EQ(limiter_.bucket_count(), 2U);
  EXPECT_FALSE(limiter_.acquire("slow", slow, 1).allowed);
}

TEST_F(LocalRateLimiterTest, ConcurrentAcquiresNeverExceedCapacity) {
  const Limit limit{1000, 0.001};
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        if (limiter_.acquire("shared", limit).allowed) ++granted;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(granted.load(), 1000);
}

}  // namespace
}  // namespace talkline::ratelimit
