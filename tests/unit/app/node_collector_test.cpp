#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>

#include <prometheus/metric_family.h>

#include "app/node_collector.hpp"
#include "app/process_metrics.hpp"
#include "util/metrics/node_metrics.hpp"

namespace talkline::app {
namespace {

std::map<std::string, prometheus::MetricFamily> by_name(const std::vector<prometheus::MetricFamily>& families) {
  std::map<std::string, prometheus::MetricFamily> found;
  for (const auto& family : families) found.emplace(family.name, family);
  return found;
}

TEST(ProcessMetrics, ReadsTheProcessFromProc) {
  const auto sample = sample_process();
  ASSERT_TRUE(sample.resident_bytes.has_value());
  EXPECT_GT(*sample.resident_bytes, 1024.0 * 1024.0);
  ASSERT_TRUE(sample.open_fds.has_value());
  EXPECT_GE(*sample.open_fds, 3.0);  // stdin, stdout, stderr
  ASSERT_TRUE(sample.cpu_seconds.has_value());
  EXPECT_GE(*sample.cpu_seconds, 0.0);
  ASSERT_TRUE(sample.start_time_seconds.has_value());
  EXPECT_GT(*sample.start_time_seconds, 1.6e9);
}

TEST(NodeCollector, ExportsHistogramsInSecondsWithCumulativeBuckets) {
  util::metrics::node_metrics().messages.ack_latency.observe(2'000'000);  // 2 ms
  NodeCollector collector(NodeSources{});
  auto families = by_name(collector.Collect());
  const auto& ack = families.at("talkline_message_ack_latency_seconds");
  ASSERT_EQ(ack.type, prometheus::MetricType::Histogram);
  const auto& histogram = ack.metric.at(0).histogram;
  EXPECT_GE(histogram.sample_count, 1U);
  EXPECT_GE(histogram.sample_sum, 0.002 - 1e-12);
  for (std::size_t i = 1; i < histogram.bucket.size(); ++i) {
    EXPECT_GE(histogram.bucket[i].cumulative_count, histogram.bucket[i - 1].cumulative_count);
    EXPECT_GT(histogram.bucket[i].upper_bound, histogram.bucket[i - 1].upper_bound);
  }
  EXPECT_TRUE(std::isinf(histogram.bucket.back().upper_bound));
  EXPECT_EQ(histogram.bucket.back().cumulative_count, histogram.sample_count);
  EXPECT_DOUBLE_EQ(histogram.bucket.front().upper_bound, 0.0001);
}

TEST(NodeCollector, LeavesOutTheFamiliesOfBackendsTheNodeDoesNotUse) {
  NodeCollector collector(NodeSources{});
  auto families = by_name(collector.Collect());
  EXPECT_EQ(families.count("talkline_postgres_up"), 0U);
  EXPECT_EQ(families.count("talkline_redis_up"), 0U);
  // Jobs report zeros without a webhook, so alerts and dashboards always find them.
  EXPECT_EQ(families.at("talkline_webhook_dead_letters_total").metric.at(0).counter.value, 0.0);
  EXPECT_EQ(families.at("talkline_messages_refused_total").metric.size(), util::metrics::kErrorCodeCount);
}

TEST(NodeCollector, SplitsEngineIoSessionsByTransport) {
  NodeSources sources;
  sources.engineio_sessions = [] { return std::size_t{5}; };
  util::metrics::node_metrics().websocket_sessions.add(2);
  NodeCollector collector(std::move(sources));
  auto families = by_name(collector.Collect());
  const auto& sessions = families.at("talkline_engineio_sessions").metric;
  ASSERT_EQ(sessions.size(), 2U);
  EXPECT_EQ(sessions[0].label.at(0).value, "websocket");
  EXPECT_EQ(sessions[0].gauge.value, 2.0);
  EXPECT_EQ(sessions[1].gauge.value, 3.0);
  util::metrics::node_metrics().websocket_sessions.add(-2);
}

}  // namespace
}  // namespace talkline::app
