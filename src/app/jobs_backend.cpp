#include "app/jobs_backend.hpp"

#include <chrono>
#include <utility>

#include "jobs/local/local_event_log.hpp"
#include "jobs/redis/redis_event_log.hpp"
#include "jobs/webhook_client.hpp"
#include "util/log.hpp"

namespace talkline::app {

namespace {

constexpr auto kFlushOnStop = std::chrono::seconds(2);

std::unique_ptr<jobs::EventLog> open_event_log(const config::Config& config, const redis::Client* redis) {
  if (redis == nullptr) {
    jobs::local::LocalEventLogOptions options;
    options.max_len = config.event_log_max_len;
    options.max_queued = config.event_log_queue_max;
    return std::make_unique<jobs::local::LocalEventLog>(options);
  }
  jobs::redis::RedisEventLogOptions options;
  options.max_len = config.event_log_max_len;
  options.max_queued = config.event_log_queue_max;
  return std::make_unique<jobs::redis::RedisEventLog>(*redis, std::move(options));
}

}  // namespace

void JobsBackend::stop() {
  if (notifier) notifier->stop();
  if (log && !log->flush(kFlushOnStop)) {
    util::log::warn("jobs.event_log_not_flushed", {{"queued", static_cast<std::int64_t>(log->stats().queued)}});
  }
}

Result<JobsBackend> open_jobs_backend(const config::Config& config, const redis::Client* redis,
                                      jobs::OfflineFilter offline_among, jobs::MessageReader current_message) {
  JobsBackend backend;
  if (config.webhook_url.empty()) return backend;
  TL_TRY_ASSIGN(auto target, jobs::parse_webhook_url(config.webhook_url, "TALKLINE_WEBHOOK_URL"));
  backend.log = open_event_log(config, redis);
  backend.publisher = std::make_unique<jobs::EventLogPublisher>(*backend.log);

  jobs::OfflineNotifierOptions options;
  options.consumer_name = jobs::offline_notifier_consumer_name();
  options.max_attempts = config.webhook_max_attempts;
  options.backoff_min = std::chrono::milliseconds(config.webhook_backoff_min_ms);
  options.backoff_max =
      std::chrono::milliseconds(std::max(config.webhook_backoff_max_ms, config.webhook_backoff_min_ms));
  options.reclaim_idle = std::chrono::seconds(config.jobs_reclaim_idle_seconds);
  options.max_retrying = static_cast<std::size_t>(config.webhook_max_retrying);
  auto sender = std::make_unique<jobs::HttpWebhookClient>(std::move(target),
                                                          std::chrono::milliseconds(config.webhook_timeout_ms));
  backend.notifier = std::make_unique<jobs::OfflineNotifier>(*backend.log, std::move(sender), std::move(offline_among),
                                                             std::move(current_message), std::move(options));
  backend.notifier->start();
  return backend;
}

}  // namespace talkline::app
