#include "util/id_generator.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <thread>
#include <unordered_set>
#include <vector>

namespace talkline::util {
namespace {

constexpr std::int64_t kStart = 1'795'796'383'123;  // 2026-11-27T16:19:43.123Z

TEST(IdGenerator, EncodesNodeAndTimestamp) {
  const ManualClock clock(kStart);
  IdGenerator generator(937, clock);
  const std::int64_t id = generator.next();
  EXPECT_GT(id, 0);
  EXPECT_EQ(IdGenerator::node_of(id), 937);
  EXPECT_EQ(IdGenerator::timestamp_ms(id), kStart);
}

TEST(IdGenerator, SequenceCountsWithinOneMillisecond) {
  const ManualClock clock(kStart);
  IdGenerator generator(1, clock);
  const std::int64_t first = generator.next();
  const std::int64_t second = generator.next();
  EXPECT_EQ(second, first + 1);
  EXPECT_EQ(IdGenerator::timestamp_ms(second), kStart);
}

TEST(IdGenerator, StaysMonotonicWhenTheClockStepsBack) {
  ManualClock clock(kStart);
  IdGenerator generator(5, clock);
  const std::int64_t before = generator.next();
  clock.set_ms(kStart - 10'000);
  const std::int64_t after = generator.next();
  EXPECT_GT(after, before);
  EXPECT_EQ(IdGenerator::timestamp_ms(after), kStart);
  clock.set_ms(kStart + 1);
  EXPECT_EQ(IdGenerator::timestamp_ms(generator.next()), kStart + 1);
}

TEST(IdGenerator, BorrowsTheNextMillisecondWhenTheSequenceRunsOut) {
  const ManualClock clock(kStart);
  IdGenerator generator(3, clock);
  std::int64_t last = 0;
  for (int i = 0; i < (1 << IdGenerator::kSequenceBits) + 10; ++i) {
    const std::int64_t id = generator.next();
    ASSERT_GT(id, last);
    last = id;
  }
  EXPECT_EQ(IdGenerator::timestamp_ms(last), kStart + 1);
  EXPECT_EQ(IdGenerator::node_of(last), 3);
}

TEST(IdGenerator, DifferentNodesNeverCollide) {
  const ManualClock clock(kStart);
  IdGenerator a(1, clock);
  IdGenerator b(2, clock);
  for (int i = 0; i < 100; ++i) EXPECT_NE(a.next(), b.next());
}

TEST(IdGenerator, RejectsNodeIdsOutOfRange) {
  EXPECT_THROW(IdGenerator{-1}, std::invalid_argument);
  EXPECT_THROW(IdGenerator{IdGenerator::kMaxNodeId + 1}, std::invalid_argument);
  EXPECT_NO_THROW(IdGenerator{IdGenerator::kMaxNodeId});
}

TEST(IdGenerator, SystemClockIdsCarryTheCurrentTime) {
  IdGenerator generator(0);
  const SystemClock clock;
  const std::int64_t before = clock.now_ms();
  const std::int64_t id = generator.next();
  EXPECT_GE(IdGenerator::timestamp_ms(id), before);
  EXPECT_LE(IdGenerator::timestamp_ms(id), clock.now_ms() + 1);
}

TEST(IdGenerator, IdsAreUniqueAndOrderedAcrossThreads) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20'000;
  IdGenerator generator(7);
  std::vector<std::vector<std::int64_t>> seen(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&generator, &ids = seen[t]] {
      ids.reserve(kPerThread);
      for (int i = 0; i < kPerThread; ++i) ids.push_back(generator.next());
    });
  }
  for (auto& thread : threads) thread.join();

  std::unordered_set<std::int64_t> all;
  for (const auto& ids : seen) {
    EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
    EXPECT_EQ(std::adjacent_find(ids.begin(), ids.end()), ids.end());
    all.insert(ids.begin(), ids.end());
  }
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kThreads * kPerThread));
}

}  // namespace
}  // namespace talkline::util
