#include "histogram.hpp"

#include <cstdint>

#include <gtest/gtest.h>

namespace talkline::bench {
namespace {

TEST(Histogram, EmptyReportsZeros) {
  Histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(50), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 0u);
}

TEST(Histogram, SmallValuesAreExact) {
  Histogram h;
  for (std::uint64_t v = 1; v <= 10; ++v) h.record(v);
  EXPECT_EQ(h.percentile(50), 5u);
  EXPECT_EQ(h.percentile(90), 9u);
  EXPECT_EQ(h.percentile(100), 10u);
  EXPECT_EQ(h.percentile(0), 1u);
  EXPECT_EQ(h.min(), 1u);
  EXPECT_EQ(h.max(), 10u);
  EXPECT_DOUBLE_EQ(h.mean(), 5.5);
}

TEST(Histogram, BucketsCoverEveryValueOnceAndInOrder) {
  const std::uint64_t values[] = {0, 15, 16, 31, 32, 33, 1000, std::uint64_t{1} << 40, UINT64_MAX};
  for (std::uint64_t v : values) {
    const int b = Histogram::bucket_of(v);
    ASSERT_LT(b, Histogram::kBucketCount);
    EXPECT_GE(Histogram::bucket_upper(b), v) << v;
    if (b > 0) {
      EXPECT_LT(Histogram::bucket_upper(b - 1), v) << v;
    }
  }
  EXPECT_EQ(Histogram::bucket_upper(Histogram::kBucketCount - 1), UINT64_MAX);
}

TEST(Histogram, PercentilesOfAUniformRangeAreWithinOneSixteenth) {
  Histogram h;
  for (std::uint64_t v = 1; v <= 100000; ++v) h.record(v);
  for (double p : {50.0, 90.0, 99.0, 99.9}) {
    const auto exact = static_cast<double>(p * 1000);
    const auto got = static_cast<double>(h.percentile(p));
    EXPECT_GE(got, exact) << p;
    EXPECT_LE(got, exact * (1.0 + 1.0 / 16)) << p;
  }
  EXPECT_EQ(h.percentile(100), 100000u);
}

TEST(Histogram, ATailOfOutliersShowsAtP99AndMax) {
  Histogram h;
  for (int i = 0; i < 980; ++i) h.record(100);
  for (int i = 0; i < 20; ++i) h.record(50000);
  // 100 is reported as the top of its bucket, within 1/16 above it.
  const auto bucket_top = Histogram::bucket_upper(Histogram::bucket_of(100));
  EXPECT_LE(bucket_top, 100u + 100u / 16);
  EXPECT_EQ(h.percentile(50), bucket_top);
  EXPECT_EQ(h.percentile(98), bucket_top);
  EXPECT_GE(h.percentile(99), 50000u);
  EXPECT_EQ(h.max(), 50000u);
}

TEST(Histogram, MergeEqualsRecordingEverythingInOne) {
  Histogram a;
  Histogram b;
  Histogram all;
  for (std::uint64_t v = 0; v < 5000; ++v) {
    (v % 3 == 0 ? a : b).record(v * 7);
    all.record(v * 7);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_EQ(a.max(), all.max());
  for (double p : {1.0, 50.0, 99.0, 99.9}) EXPECT_EQ(a.percentile(p), all.percentile(p));
}

}  // namespace
}  // namespace talkline::bench
