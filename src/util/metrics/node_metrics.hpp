#pragma once
// What the inner layers count for /metrics. They write plain per-thread counters
// (counter.hpp, histogram.hpp) and know nothing of Prometheus; src/app names the
// families and exports them at scrape time (app/node_collector.cpp). One node per
// process, so one instance per process: threading a pointer through every
// constructor would buy nothing but noise.

#include <array>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string_view>

#include "util/error.hpp"
#include "util/metrics/counter.hpp"
#include "util/metrics/histogram.hpp"

namespace talkline::util::metrics {

/// Limits whose refusals are counted, one label value each.
enum class Limit { http_per_ip, message_send, login, registration, socket_connections };
inline constexpr std::size_t kLimitCount = 5;
std::string_view limit_name(Limit limit);

inline constexpr std::size_t kErrorCodeCount = static_cast<std::size_t>(ErrorCode::internal) + 1;

struct MessageMetrics {
  /// Sends that passed parsing and the rate limit and were handed to the store.
  Counter accepted;
  /// Sends committed and answered ok (socket ack or HTTP 201).
  Counter acked;
  /// Sends answered with an error, by error code (rate limits and bad input included).
  std::array<Counter, kErrorCodeCount> refused;
  void refuse(ErrorCode code) { refused[static_cast<std::size_t>(code)].add(); }
  /// Live change-feed events (message:new, message:updated, message:deleted) handed to
  /// recipients' connections.
  Counter delivered;
  /// A socket message:send from its arrival on the loop to its ack written, ns.
  Histogram ack_latency{kLatencyBucketsNs};
};

struct StoreMetrics {
  /// One write transaction, BEGIN to COMMIT, ns (SQLite writer, PostgreSQL append writers).
  Histogram commit_duration{kLatencyBucketsNs};
  /// Jobs (sends, receipts, changes) per committed transaction.
  Histogram commit_batch{kBatchBuckets};
  /// Jobs waiting for a writer.
  UpDown writer_queue;
  /// PostgreSQL only: 1 while the last connection attempt or command succeeded.
  Level postgres_up;
  /// PostgreSQL only: connections opened to replace one that was lost or never came.
  Counter postgres_reconnects;
};

struct BusMetrics {
  /// Redis bus: an envelope from publish() to its PUBLISH written to Redis, ns.
  Histogram publish_lag{kLatencyBucketsNs};
  /// From the bus handing an envelope to the gateway to its loop writing it, ns.
  Histogram delivery_lag{kLatencyBucketsNs};
};

/// One event loop's lateness: a timer armed every probe interval fires late by as much
/// as the loop was busy.
struct LoopMetrics {
  Histogram lag{kLatencyBucketsNs};
};

struct NodeMetrics {
  MessageMetrics messages;
  StoreMetrics store;
  BusMetrics bus;
  /// Deliveries and acks queued for the loops and not yet drained.
  UpDown inbox_depth;
  /// Engine.IO sessions carried by a WebSocket (the rest are long-polling).
  UpDown websocket_sessions;
  std::array<Counter, kLimitCount> rate_limited;
  void refuse(Limit limit) { rate_limited[static_cast<std::size_t>(limit)].add(); }

  /// A loop's metrics, made on first use; the reference stays valid. Any thread.
  LoopMetrics& loop(std::size_t index);
  /// How many loops have metrics (0..n-1).
  std::size_t loop_count() const;

 private:
  mutable std::mutex loops_mutex_;
  std::deque<LoopMetrics> loops_;  // a deque: growing it moves no element
};

/// This process's metrics.
NodeMetrics& node_metrics();

}  // namespace talkline::util::metrics
