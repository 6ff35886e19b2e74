#include "ratelimit/local_rate_limiter.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "conformance/ratelimit_conformance.hpp"

namespace talkline::ratelimit {
namespace {

// ---- the shared RateLimiter suite ------------------------------------------------------

TALKLINE_INSTANTIATE_RATELIMIT_CONFORMANCE(Local,
                                           conformance::RateLimiterFactory{
                                               "local", [](const util::Clock& clock) -> std::unique_ptr<RateLimiter> {
                                                 return std::make_unique<LocalRateLimiter>(clock);
                                               }});

// ---- what only the in-process buckets do -----------------------------------------------

constexpr std::int64_t kStart = 1'795'796'383'000;

class LocalRateLimiterTest : public ::testing::Test {
 protected:
  util::ManualClock clock_{kStart};
  LocalRateLimiter limiter_{clock_};
};

TEST_F(LocalRateLimiterTest, PeekCreatesNoBucket) {
  const Limit limit{1, 1};
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(limiter_.peek("k", limit).allowed);
  EXPECT_EQ(limiter_.bucket_count(), 0U);
  EXPECT_TRUE(limiter_.acquire("k", limit).allowed);
  EXPECT_EQ(limiter_.bucket_count(), 1U);
}

TEST_F(LocalRateLimiterTest, AcquireAsyncAnswersBeforeReturning) {
  bool answered = false;
  limiter_.acquire_async("k", Limit{1, 1}, 1, [&](Decision decision) {
    EXPECT_TRUE(decision.allowed);
    answered = true;
  });
  EXPECT_TRUE(answered);
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

}  // namespace
}  // namespace talkline::ratelimit
