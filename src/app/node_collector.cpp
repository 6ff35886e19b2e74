#include "app/node_collector.hpp"

#include <algorithm>
#include <limits>
#include <string>
#include <utility>

#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>

#include "app/process_metrics.hpp"
#include "util/metrics/node_metrics.hpp"

namespace talkline::app {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
namespace metrics = util::metrics;

constexpr double kSecondsPerNs = 1e-9;

MetricFamily family(std::string name, std::string help, MetricType type) {
  MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = type;
  return family;
}

ClientMetric sample(double value, MetricType type, std::vector<ClientMetric::Label> labels = {}) {
  ClientMetric metric;
  metric.label = std::move(labels);
  if (type == MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  return metric;
}

void add_counter(std::vector<MetricFamily>& out, std::string name, std::string help, double value) {
  auto counter = family(std::move(name), std::move(help), MetricType::Counter);
  counter.metric.push_back(sample(value, MetricType::Counter));
  out.push_back(std::move(counter));
}

void add_gauge(std::vector<MetricFamily>& out, std::string name, std::string help, double value) {
  auto gauge = family(std::move(name), std::move(help), MetricType::Gauge);
  gauge.metric.push_back(sample(value, MetricType::Gauge));
  out.push_back(std::move(gauge));
}

// A queue's length from the adds of the threads that fill it and the subtractions of
// the one that drains it. The slots are read one after another, so a scrape can see a
// subtraction without its addition: never report less than empty.
double level(const metrics::UpDown& queue) { return static_cast<double>(std::max<std::int64_t>(0, queue.value())); }

// `scale` turns the histogram's integer unit into the family's (ns to seconds).
ClientMetric histogram_sample(const metrics::Histogram& histogram, double scale,
                              std::vector<ClientMetric::Label> labels = {}) {
  const auto snapshot = histogram.snapshot();
  ClientMetric metric;
  metric.label = std::move(labels);
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < snapshot.bounds.size(); ++i) {
    cumulative += snapshot.counts[i];
    metric.histogram.bucket.push_back({cumulative, static_cast<double>(snapshot.bounds[i]) * scale});
  }
  metric.histogram.bucket.push_back({snapshot.count, std::numeric_limits<double>::infinity()});
  metric.histogram.sample_count = snapshot.count;
  metric.histogram.sample_sum = static_cast<double>(snapshot.sum) * scale;
  return metric;
}

void add_histogram(std::vector<MetricFamily>& out, std::string name, std::string help,
                   const metrics::Histogram& histogram, double scale) {
  auto found = family(std::move(name), std::move(help), MetricType::Histogram);
  found.metric.push_back(histogram_sample(histogram, scale));
  out.push_back(std::move(found));
}

void collect_messages(std::vector<MetricFamily>& out, const metrics::MessageMetrics& messages) {
  add_counter(out, "talkline_messages_accepted_total",
              "Message sends (socket and HTTP) that passed parsing and the rate limit and went to the store",
              static_cast<double>(messages.accepted.value()));
  add_counter(out, "talkline_messages_acked_total", "Message sends committed and answered ok",
              static_cast<double>(messages.acked.value()));
  add_counter(out, "talkline_messages_delivered_total",
              "Live change-feed events (message:new, edits, deletes) handed to recipients' connections",
              static_cast<double>(messages.delivered.value()));
  auto refused = family("talkline_messages_refused_total", "Message sends answered with an error, by error code",
                        MetricType::Counter);
  for (std::size_t code = 0; code < metrics::kErrorCodeCount; ++code) {
    refused.metric.push_back(sample(static_cast<double>(messages.refused[code].value()), MetricType::Counter,
                                    {{"reason", std::string(error_code_name(static_cast<ErrorCode>(code)))}}));
  }
  out.push_back(std::move(refused));
  add_histogram(out, "talkline_message_ack_latency_seconds",
                "Socket message:send from its arrival on the event loop to its ack written", messages.ack_latency,
                kSecondsPerNs);
}

void collect_store(std::vector<MetricFamily>& out, const metrics::StoreMetrics& store, bool postgres) {
  add_histogram(out, "talkline_store_commit_duration_seconds",
                "One write transaction of the store's writers, BEGIN to COMMIT", store.commit_duration, kSecondsPerNs);
  add_histogram(out, "talkline_store_commit_jobs", "Writes (sends, receipts, changes) per committed transaction",
                store.commit_batch, 1.0);
  add_gauge(out, "talkline_store_writer_queued_jobs", "Writes waiting for the store's writers",
            level(store.writer_queue));
  if (!postgres) return;
  add_gauge(out, "talkline_postgres_up", "1 while the node's last PostgreSQL connect or command worked",
            static_cast<double>(store.postgres_up.value()));
  add_counter(out, "talkline_postgres_reconnects_total", "Times PostgreSQL was reached again after it was lost",
              static_cast<double>(store.postgres_reconnects.value()));
}

void collect_loops(std::vector<MetricFamily>& out, metrics::NodeMetrics& node) {
  auto lag = family("talkline_event_loop_lag_seconds",
                    "How late each event loop ran a periodic timer (TALKLINE_LOOP_LAG_PROBE_MS): time it was busy",
                    MetricType::Histogram);
  const auto loops = node.loop_count();
  for (std::size_t i = 0; i < loops; ++i) {
    lag.metric.push_back(histogram_sample(node.loop(i).lag, kSecondsPerNs, {{"loop", std::to_string(i)}}));
  }
  out.push_back(std::move(lag));
  add_gauge(out, "talkline_loop_inbox_queued_deliveries",
            "Deliveries and acks queued for the event loops, not yet written", level(node.inbox_depth));
}

void collect_limits(std::vector<MetricFamily>& out, const metrics::NodeMetrics& node) {
  auto limited = family("talkline_rate_limited_total", "Requests and events refused by a rate limit, by limit",
                        MetricType::Counter);
  for (std::size_t limit = 0; limit < metrics::kLimitCount; ++limit) {
    limited.metric.push_back(sample(static_cast<double>(node.rate_limited[limit].value()), MetricType::Counter,
                                    {{"limit", std::string(metrics::limit_name(static_cast<metrics::Limit>(limit)))}}));
  }
  out.push_back(std::move(limited));
}

void collect_process(std::vector<MetricFamily>& out) {
  const auto process = sample_process();
  auto maybe = [&](const std::optional<double>& value, const char* name, const char* help, MetricType type) {
    if (!value) return;
    if (type == MetricType::Counter) {
      add_counter(out, name, help, *value);
    } else {
      add_gauge(out, name, help, *value);
    }
  };
  maybe(process.cpu_seconds, "process_cpu_seconds_total", "User and system CPU time spent, seconds",
        MetricType::Counter);
  maybe(process.resident_bytes, "process_resident_memory_bytes", "Resident memory size", MetricType::Gauge);
  maybe(process.virtual_bytes, "process_virtual_memory_bytes", "Virtual memory size", MetricType::Gauge);
  maybe(process.open_fds, "process_open_fds", "Open file descriptors", MetricType::Gauge);
  maybe(process.max_fds, "process_max_fds", "Limit on open file descriptors", MetricType::Gauge);
  maybe(process.start_time_seconds, "process_start_time_seconds", "Start time since the Unix epoch, seconds",
        MetricType::Gauge);
  maybe(process.threads, "process_threads", "Threads of the process", MetricType::Gauge);
}

}  // namespace

std::vector<MetricFamily> NodeCollector::Collect() const {
  auto& node = metrics::node_metrics();
  std::vector<MetricFamily> out;
  collect_messages(out, node.messages);
  collect_store(out, node.store, sources_.postgres);
  collect_loops(out, node);
  collect_limits(out, node);
  add_histogram(out, "talkline_bus_publish_lag_seconds",
                "Redis bus: an envelope from its publish to its PUBLISH written (oldest of each write)",
                node.bus.publish_lag, kSecondsPerNs);
  add_histogram(out, "talkline_bus_delivery_lag_seconds",
                "An envelope from the bus handing it to the gateway to its loop writing it (oldest of each batch)",
                node.bus.delivery_lag, kSecondsPerNs);

  if (sources_.socket_connections) {
    add_gauge(out, "talkline_socket_connections", "Authenticated Socket.IO connections on this node",
              static_cast<double>(sources_.socket_connections()));
  }
  if (sources_.engineio_sessions) {
    const auto total = static_cast<std::int64_t>(sources_.engineio_sessions());
    const auto websocket = std::clamp<std::int64_t>(node.websocket_sessions.value(), 0, total);
    auto sessions =
        family("talkline_engineio_sessions", "Engine.IO sessions open on this node, by transport", MetricType::Gauge);
    sessions.metric.push_back(sample(static_cast<double>(websocket), MetricType::Gauge, {{"transport", "websocket"}}));
    sessions.metric.push_back(
        sample(static_cast<double>(total - websocket), MetricType::Gauge, {{"transport", "polling"}}));
    out.push_back(std::move(sessions));
  }
  if (sources_.redis_up) {
    add_gauge(out, "talkline_redis_up", "1 while every connection of this node to Redis is up",
              sources_.redis_up() ? 1.0 : 0.0);
  }
  if (sources_.redis_bus) {
    const auto bus = sources_.redis_bus();
    add_counter(out, "talkline_bus_published_total", "Redis bus: PUBLISH commands Redis accepted",
                static_cast<double>(bus.published));
    add_counter(out, "talkline_bus_dropped_total",
                "Redis bus: envelopes not sent (queue full, or lost with a connection)",
                static_cast<double>(bus.dropped));
    add_gauge(out, "talkline_bus_queued_bytes", "Redis bus: encoded envelopes waiting to be published",
              static_cast<double>(bus.queued_bytes));
  }
  const auto jobs = sources_.jobs ? sources_.jobs() : NodeSources::JobStats{};
  add_counter(out, "talkline_webhook_attempts_total", "Offline webhook requests made",
              static_cast<double>(jobs.attempts));
  add_counter(out, "talkline_webhook_failures_total", "Offline webhook requests that failed (will be retried)",
              static_cast<double>(jobs.failures));
  add_counter(out, "talkline_webhook_dead_letters_total", "Events given up on and moved to the dead letters",
              static_cast<double>(jobs.dead_letters));
  add_gauge(out, "talkline_webhook_retrying_events", "Events waiting for a webhook retry",
            static_cast<double>(jobs.retrying));
  add_gauge(out, "talkline_event_log_queued_events", "Events accepted for the event log, not yet written",
            static_cast<double>(jobs.log_queued));
  add_counter(out, "talkline_event_log_dropped_total", "Events never written to the event log (queue full)",
              static_cast<double>(jobs.log_dropped));
  collect_process(out);
  return out;
}

}  // namespace talkline::app
