#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "util/metrics/counter.hpp"
#include "util/metrics/histogram.hpp"
#include "util/metrics/node_metrics.hpp"

namespace talkline::util::metrics {
namespace {

TEST(MetricsCounter, SumsWhatEveryThreadAdded) {
  Counter counter;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&counter] {
      for (int i = 0; i < 10000; ++i) counter.add();
    });
  }
  for (auto& thread : threads) thread.join();
  counter.add(5);
  EXPECT_EQ(counter.value(), 80005U);
}

TEST(MetricsUpDown, ALevelTakenBackOnAnotherThreadReturnsToZero) {
  UpDown level;
  std::thread([&level] { level.add(3); }).join();
  EXPECT_EQ(level.value(), 3);
  std::thread([&level] { level.add(-3); }).join();
  EXPECT_EQ(level.value(), 0);
}

TEST(MetricsHistogram, PutsEachObservationInTheFirstBucketThatHoldsIt) {
  const std::array<std::uint64_t, 3> bounds = {10, 100, 1000};
  Histogram histogram(bounds);
  for (std::uint64_t value : {0, 10, 11, 100, 999, 1000, 1001, 50000}) histogram.observe(value);
  const auto snapshot = histogram.snapshot();
  ASSERT_EQ(snapshot.bounds, std::vector<std::uint64_t>(bounds.begin(), bounds.end()));
  // le=10: 0, 10; le=100: 11, 100; le=1000: 999, 1000; +Inf: 1001, 50000.
  EXPECT_EQ(snapshot.counts, (std::vector<std::uint64_t>{2, 2, 2, 2}));
  EXPECT_EQ(snapshot.count, 8U);
  EXPECT_EQ(snapshot.sum, 0U + 10 + 11 + 100 + 999 + 1000 + 1001 + 50000);
}

TEST(MetricsHistogram, SumsObservationsFromManyThreads) {
  Histogram histogram(kLatencyBucketsNs);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&histogram] {
      for (int i = 0; i < 1000; ++i) histogram.observe(1'500'000);  // 1.5 ms
    });
  }
  for (auto& thread : threads) thread.join();
  const auto snapshot = histogram.snapshot();
  EXPECT_EQ(snapshot.count, 4000U);
  EXPECT_EQ(snapshot.counts[4], 4000U);  // the 2.5 ms bucket
}

TEST(MetricsNodeMetrics, LoopsKeepTheirMetricsAsMoreAreAdded) {
  NodeMetrics metrics;
  auto& first = metrics.loop(0);
  first.lag.observe(1);
  metrics.loop(7);
  EXPECT_EQ(metrics.loop_count(), 8U);
  EXPECT_EQ(&metrics.loop(0), &first);
  EXPECT_EQ(metrics.loop(0).lag.snapshot().count, 1U);
}

TEST(MetricsNodeMetrics, NamesEveryLimit) {
  for (std::size_t i = 0; i < kLimitCount; ++i) EXPECT_NE(limit_name(static_cast<Limit>(i)), "unknown");
}

}  // namespace
}  // namespace talkline::util::metrics
