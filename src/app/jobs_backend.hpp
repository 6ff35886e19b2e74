#pragma once

#include <memory>

#include "config/config.hpp"
#include "jobs/event_log.hpp"
#include "jobs/event_log_publisher.hpp"
#include "jobs/offline_notifier.hpp"
#include "redis/client.hpp"
#include "util/result.hpp"

namespace talkline::app {

/// The event log and the background jobs of a node; all empty when no job is
/// configured (then nothing is appended either: an event log nobody reads is waste).
struct JobsBackend {
  std::unique_ptr<jobs::EventLog> log;
  /// Feeds the log from the services; add it to the services' publishers.
  std::unique_ptr<jobs::EventLogPublisher> publisher;
  std::unique_ptr<jobs::OfflineNotifier> notifier;

  /// Stops the jobs, then gives the log a moment to write what it still queues. Call
  /// after the last request was answered and before the store closes. Idempotent.
  void stop();
};

/// With TALKLINE_WEBHOOK_URL set: the event log TALKLINE_BUS implies (a Redis stream on
/// `redis` for redis://, in memory when `redis` is null) and the offline notifier on
/// it, started. Redis being unreachable at start is not fatal (the log queues and
/// reconnects); a bad webhook URL is.
Result<JobsBackend> open_jobs_backend(const config::Config& config, const redis::Client* redis,
                                      jobs::OfflineFilter offline_among, jobs::MessageReader current_message);

}  // namespace talkline::app
