#include "ratelimit_conformance.hpp"

#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <thread>
#include <vector>

namespace talkline::conformance {

using ratelimit::Decision;
using ratelimit::Limit;

void PrintTo(const RateLimiterFactory& factory, std::ostream* out) { *out << factory.name; }

std::string ratelimit_factory_name(const testing::TestParamInfo<RateLimiterFactory>& info) {
  std::string name;
  for (char c : info.param.name) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name.empty() ? "limiter" + std::to_string(info.index) : name;
}

void RateLimiterConformance::SetUp() {
  limiter_ = GetParam().make(clock_);
  ASSERT_NE(limiter_, nullptr);
}

namespace {

// Decisions handed to acquire_async callbacks, from whatever thread.
class Answers {
 public:
  ratelimit::RateLimiter::Done slot(int index) {
    return [this, index](Decision decision) {
      // Notified under the lock: a test may destroy these Answers as soon as the last one
      // is in, which must not race a notify still running on the limiter's thread.
      std::lock_guard lock(mutex_);
      order_.push_back(index);
      decisions_.push_back(decision);
      changed_.notify_all();
    };
  }
  bool wait_for(std::size_t count, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return decisions_.size() >= count; });
  }
  std::vector<int> order() {
    std::lock_guard lock(mutex_);
    return order_;
  }
  std::vector<Decision> decisions() {
    std::lock_guard lock(mutex_);
    return decisions_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<int> order_;
  std::vector<Decision> decisions_;
};

constexpr std::chrono::milliseconds kAnswerDeadline{10'000};

}  // namespace

TEST_P(RateLimiterConformance, AllowsUpToCapacityThenRefuses) {
  const Limit limit{5, 1};
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter().acquire("k", limit).allowed) << i;
  const Decision refused = limiter().acquire("k", limit);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_seconds, 1);
}

TEST_P(RateLimiterConformance, KeysHaveSeparateBuckets) {
  const Limit limit{1, 1};
  EXPECT_TRUE(limiter().acquire("a", limit).allowed);
  EXPECT_FALSE(limiter().acquire("a", limit).allowed);
  EXPECT_TRUE(limiter().acquire("b", limit).allowed);
}

TEST_P(RateLimiterConformance, RefillsWithTime) {
  const Limit limit{2, 0.5};  // one token every two seconds
  EXPECT_TRUE(limiter().acquire("k", limit).allowed);
  EXPECT_TRUE(limiter().acquire("k", limit).allowed);
  EXPECT_FALSE(limiter().acquire("k", limit).allowed);
  clock_.advance_ms(1999);
  EXPECT_FALSE(limiter().acquire("k", limit).allowed);
  clock_.advance_ms(1);
  EXPECT_TRUE(limiter().acquire("k", limit).allowed);
  EXPECT_FALSE(limiter().acquire("k", limit).allowed);
}

TEST_P(RateLimiterConformance, RefillStopsAtCapacity) {
  const Limit limit{3, 10};
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter().acquire("k", limit).allowed);
  clock_.advance_ms(3'600'000);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter().acquire("k", limit).allowed);
  EXPECT_FALSE(limiter().acquire("k", limit).allowed);
}

TEST_P(RateLimiterConformance, PeekDoesNotConsume) {
  const Limit limit{1, 1};
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(limiter().peek("k", limit).allowed);
  EXPECT_TRUE(limiter().acquire("k", limit).allowed);
  const Decision peeked = limiter().peek("k", limit);
  EXPECT_FALSE(peeked.allowed);
  EXPECT_EQ(peeked.retry_after_seconds, 1);
  clock_.advance_ms(1000);
  EXPECT_TRUE(limiter().peek("k", limit).allowed);
  EXPECT_TRUE(limiter().acquire("k", limit).allowed);
}

TEST_P(RateLimiterConformance, RefusalTakesNothing) {
  const Limit limit{10, 1};
  EXPECT_TRUE(limiter().acquire("k", limit, 8).allowed);
  EXPECT_FALSE(limiter().acquire("k", limit, 5).allowed);
  EXPECT_TRUE(limiter().acquire("k", limit, 2).allowed);
}

TEST_P(RateLimiterConformance, FractionalCostsAddUp) {
  const Limit limit{1, 0.001};
  EXPECT_TRUE(limiter().acquire("k", limit, 0.25).allowed);
  EXPECT_TRUE(limiter().acquire("k", limit, 0.75).allowed);
  EXPECT_FALSE(limiter().acquire("k", limit, 0.25).allowed);
}

TEST_P(RateLimiterConformance, RetryAfterIsTheCeilingOfTheTimeToRegainTheCost) {
  const Limit limit{10, 2};  // two tokens a second
  EXPECT_TRUE(limiter().acquire("k", limit, 10).allowed);
  EXPECT_EQ(limiter().acquire("k", limit, 1).retry_after_seconds, 1);  // 0.5 s
  EXPECT_EQ(limiter().acquire("k", limit, 3).retry_after_seconds, 2);  // 1.5 s
  EXPECT_EQ(limiter().acquire("k", limit, 10).retry_after_seconds, 5);
  clock_.advance_ms(1250);                                           // 2.5 tokens back
  EXPECT_EQ(limiter().peek("k", limit, 10).retry_after_seconds, 4);  // 7.5 missing: 3.75 s
}

TEST_P(RateLimiterConformance, RetryAfterIsAtLeastOneSecond) {
  const Limit limit{1, 1000};
  EXPECT_TRUE(limiter().acquire("k", limit).allowed);
  const Decision refused = limiter().acquire("k", limit);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_seconds, 1);
}

TEST_P(RateLimiterConformance, CostAboveCapacityIsAlwaysRefused) {
  const Decision refused = limiter().acquire("k", Limit{5, 1}, 6);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_seconds, std::numeric_limits<int>::max());
  EXPECT_TRUE(limiter().acquire("k", Limit{5, 1}, 5).allowed);  // and took nothing
}

TEST_P(RateLimiterConformance, ClockSteppingBackGrantsNothing) {
  const Limit limit{1, 1};
  EXPECT_TRUE(limiter().acquire("k", limit).allowed);
  clock_.advance_ms(-10'000);
  EXPECT_FALSE(limiter().acquire("k", limit).allowed);
  clock_.advance_ms(10'000);
  EXPECT_FALSE(limiter().acquire("k", limit).allowed);
  clock_.advance_ms(1'000);
  EXPECT_TRUE(limiter().acquire("k", limit).allowed);
}

TEST_P(RateLimiterConformance, RefundGivesTokensBack) {
  const Limit limit{3, 0.001};
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter().acquire("k", limit).allowed);
  EXPECT_FALSE(limiter().acquire("k", limit).allowed);
  limiter().refund("k", limit);
  EXPECT_TRUE(limiter().acquire("k", limit).allowed);
  EXPECT_FALSE(limiter().acquire("k", limit).allowed);
}

TEST_P(RateLimiterConformance, RefundNeverFillsPastCapacity) {
  const Limit limit{2, 0.001};
  EXPECT_TRUE(limiter().acquire("k", limit).allowed);
  limiter().refund("k", limit, 5);
  EXPECT_TRUE(limiter().acquire("k", limit).allowed);
  EXPECT_TRUE(limiter().acquire("k", limit).allowed);
  EXPECT_FALSE(limiter().acquire("k", limit).allowed);
}

TEST_P(RateLimiterConformance, RefundOfAnUnusedKeyChangesNothing) {
  const Limit limit{2, 0.001};
  limiter().refund("fresh", limit, 3);
  EXPECT_TRUE(limiter().acquire("fresh", limit).allowed);
  EXPECT_TRUE(limiter().acquire("fresh", limit).allowed);
  EXPECT_FALSE(limiter().acquire("fresh", limit).allowed);
}

TEST_P(RateLimiterConformance, AcquireAsyncAnswersEachCallOnceInOrder) {
  const Limit limit{3, 0.001};
  Answers answers;
  for (int i = 0; i < 5; ++i) limiter().acquire_async("k", limit, 1, answers.slot(i));
  ASSERT_TRUE(answers.wait_for(5, kAnswerDeadline));
  EXPECT_EQ(answers.order(), (std::vector<int>{0, 1, 2, 3, 4}));
  const auto decisions = answers.decisions();
  for (int i = 0; i < 5; ++i) EXPECT_EQ(decisions[i].allowed, i < 3) << i;
  EXPECT_GE(decisions[4].retry_after_seconds, 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(answers.decisions().size(), 5U);  // and never a second time
}

TEST_P(RateLimiterConformance, AcquireAsyncAndAcquireShareTheBucket) {
  const Limit limit{2, 0.001};
  EXPECT_TRUE(limiter().acquire("k", limit).allowed);
  Answers answers;
  limiter().acquire_async("k", limit, 1, answers.slot(0));
  limiter().acquire_async("k", limit, 1, answers.slot(1));
  ASSERT_TRUE(answers.wait_for(2, kAnswerDeadline));
  const auto decisions = answers.decisions();
  EXPECT_TRUE(decisions[0].allowed);
  EXPECT_FALSE(decisions[1].allowed);
  EXPECT_FALSE(limiter().acquire("k", limit).allowed);
}

TEST_P(RateLimiterConformance, ConcurrentAcquiresNeverExceedCapacity) {
  const Limit limit{200, 0.001};
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        if (limiter().acquire("shared", limit).allowed) ++granted;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(granted.load(), 200);
}

TEST_P(RateLimiterConformance, IsHealthyWhileItsBackendIsUp) { EXPECT_TRUE(limiter().healthy()); }

}  // namespace talkline::conformance
