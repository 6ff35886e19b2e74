#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include <prometheus/collectable.h>

namespace talkline::app {

/// What only the wiring can read, sampled at scrape time. An unset function leaves its
/// families out (no Redis, no PostgreSQL).
struct NodeSources {
  std::function<std::size_t()> socket_connections;
  std::function<std::size_t()> engineio_sessions;
  /// 1 when every Redis link is up.
  std::function<bool()> redis_up;
  struct BusStats {
    std::uint64_t published = 0;
    std::uint64_t dropped = 0;
    std::size_t queued_bytes = 0;
  };
  std::function<BusStats()> redis_bus;
  bool postgres = false;
  struct JobStats {
    std::uint64_t attempts = 0;
    std::uint64_t failures = 0;
    std::uint64_t dead_letters = 0;
    std::size_t retrying = 0;
    std::size_t log_queued = 0;
    std::uint64_t log_dropped = 0;
  };
  /// Zeros when no job runs, so dashboards and alerts find the families on every node.
  std::function<JobStats()> jobs;
};

/// Every family of util::metrics::node_metrics(), the sources above and the process
/// (RSS, CPU, fds), as Prometheus families. Collect() runs on the scraping thread; it
/// sums the per-thread slots and reads /proc, so a scrape costs tens of microseconds
/// and the counting threads nothing.
class NodeCollector : public prometheus::Collectable {
 public:
  explicit NodeCollector(NodeSources sources) : sources_(std::move(sources)) {}
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  NodeSources sources_;
};

}  // namespace talkline::app
