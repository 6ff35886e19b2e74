#include "process_stats.hpp"

#include <unistd.h>

#include <climits>

#include <gtest/gtest.h>

namespace talkline::bench {
namespace {

TEST(ServerSample, TotalAddsUpEveryNode) {
  ServerSample sample;
  sample.nodes = {ProcessSample{1.5, 100}, ProcessSample{2.0, 300}};
  sample.open_files = {10, 12};
  ASSERT_TRUE(sample.total());
  EXPECT_DOUBLE_EQ(sample.total()->cpu_seconds, 3.5);
  EXPECT_DOUBLE_EQ(sample.total()->rss_kib, 400);
  EXPECT_EQ(sample.total_open_files(), 22);
}

TEST(ServerSample, NoTotalWhenANodeIsMissingOrNoneWasGiven) {
  ServerSample sample;
  EXPECT_FALSE(sample.total());
  EXPECT_EQ(sample.total_open_files(), -1);
  sample.nodes = {ProcessSample{1, 1}, std::nullopt};
  sample.open_files = {3, -1};
  EXPECT_FALSE(sample.total());
  EXPECT_EQ(sample.total_open_files(), -1);
}

TEST(ServerSample, NodeCpuIsPercentOfOneCoreOverTheInterval) {
  ServerSample start;
  ServerSample end;
  start.nodes = {ProcessSample{1.0, 0}, ProcessSample{5.0, 0}};
  end.nodes = {ProcessSample{1.5, 0}, std::nullopt};
  EXPECT_DOUBLE_EQ(node_cpu_percent(start, end, 0, 2.0).value(), 25.0);
  EXPECT_FALSE(node_cpu_percent(start, end, 1, 2.0));
  EXPECT_FALSE(node_cpu_percent(start, end, 2, 2.0));
  EXPECT_FALSE(node_cpu_percent(start, end, 0, 0.0));
}

TEST(SampleServer, ReadsEachProcessFromProc) {
  const auto sample = sample_server({getpid(), getpid()});
  ASSERT_EQ(sample.nodes.size(), 2u);
  ASSERT_TRUE(sample.nodes[0] && sample.nodes[1]);
  EXPECT_GT(sample.nodes[0]->rss_kib, 0);
  EXPECT_GT(sample.open_files[0], 0);
  ASSERT_TRUE(sample.total());
  EXPECT_GE(sample.total()->rss_kib, 2 * sample.nodes[0]->rss_kib - 1024);
}

TEST(SampleServer, AGoneProcessHasNoSampleAndSpoilsTheTotal) {
  const auto sample = sample_server({getpid(), INT_MAX});
  ASSERT_EQ(sample.nodes.size(), 2u);
  EXPECT_TRUE(sample.nodes[0]);
  EXPECT_FALSE(sample.nodes[1]);
  EXPECT_EQ(sample.open_files[1], -1);
  EXPECT_FALSE(sample.total());
  EXPECT_TRUE(sample_server({}).nodes.empty());
}

}  // namespace
}  // namespace talkline::bench
