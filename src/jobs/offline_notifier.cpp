#include "jobs/offline_notifier.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <set>
#include <utility>

#include "jobs/event_log_publisher.hpp"
#include "util/json.hpp"
#include "util/log.hpp"
#include "wire/message_json.hpp"

namespace talkline::jobs {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Consumers of the group that hold nothing and were not seen for this long are names
// of nodes long gone; they are removed so the group's consumer list does not grow with
// every restart.
constexpr milliseconds kPruneIdle = std::chrono::hours(1);
constexpr milliseconds kPruneEvery = std::chrono::minutes(10);

std::int64_t ms_of(milliseconds duration) { return static_cast<std::int64_t>(duration.count()); }

std::string describe(const WebhookResponse& response) {
  return response.status != 0 ? "HTTP " + std::to_string(response.status) : response.error;
}

}  // namespace

std::string offline_notifier_consumer_name() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::snprintf(host, sizeof host, "node");
  std::random_device device;
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%08x", static_cast<unsigned>(device()));
  return std::string(host) + ":" + std::to_string(getpid()) + ":" + suffix;
}

OfflineNotifier::OfflineNotifier(EventLog& log, std::unique_ptr<WebhookSender> sender, OfflineFilter offline_among,
                                 MessageReader current_message, OfflineNotifierOptions options)
    : log_(log),
      sender_(std::move(sender)),
      offline_among_(std::move(offline_among)),
      current_message_(std::move(current_message)),
      options_(std::move(options)),
      random_(std::random_device{}()) {}

OfflineNotifier::~OfflineNotifier() { stop(); }

void OfflineNotifier::start() {
  if (thread_.joinable()) return;
  consumer_ = log_.consumer(std::string(kGroup), options_.consumer_name);
  util::log::info("jobs.offline_notifier_started", {{"group", kGroup},
                                                    {"consumer", std::string_view(options_.consumer_name)},
                                                    {"max_attempts", static_cast<std::int64_t>(options_.max_attempts)},
                                                    {"reclaim_idle_ms", ms_of(options_.reclaim_idle)}});
  thread_ = std::thread([this] { run(); });
}

void OfflineNotifier::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  sender_->cancel();
  if (thread_.joinable()) {
    thread_.join();
    const auto totals = stats();
    util::log::info("jobs.offline_notifier_stopped",
                    {{"delivered", static_cast<std::int64_t>(totals.delivered)},
                     {"dead_lettered", static_cast<std::int64_t>(totals.dead_lettered)},
                     {"left_pending", static_cast<std::int64_t>(totals.retrying)}});
  }
}

OfflineNotifier::Stats OfflineNotifier::stats() const {
  Stats stats;
  stats.delivered = delivered_.load();
  stats.skipped = skipped_.load();
  stats.failed_attempts = failed_attempts_.load();
  stats.dead_lettered = dead_lettered_.load();
  stats.reclaimed = reclaimed_.load();
  stats.retrying = retrying_count_.load();
  return stats;
}

bool OfflineNotifier::sleep_for(milliseconds delay) {
  std::unique_lock lock(mutex_);
  return !wake_.wait_for(lock, delay, [&] { return stopping_.load(); });
}

void OfflineNotifier::run() {
  while (!stopping_) {
    settle();
    maintain();
    retry_due();
    if (stopping_) break;

    // Wait for new events no longer than until the next retry is due.
    auto block = options_.poll;
    const auto now = Clock::now();
    for (const auto& [id, work] : retrying_) {
      block = std::min(block, std::chrono::duration_cast<milliseconds>(std::max(work.due - now, Clock::duration{})));
    }
    if (retrying_.size() >= options_.max_retrying) {
      // Full: let retries finish before taking more; new events wait in the log.
      sleep_for(std::max(block, milliseconds(10)));
      continue;
    }
    auto batch = consumer_->read(options_.batch, block);
    if (!batch.ok()) {
      util::log::debug("jobs.offline_notifier_read_failed", {{"error", std::string_view(batch.error().message)}});
      continue;
    }
    in_hand_.clear();
    for (const auto& event : *batch) in_hand_.push_back(event.id);
    for (auto& event : *batch) {
      if (stopping_) break;  // the rest stays pending, for whoever reclaims it
      in_hand_.erase(std::find(in_hand_.begin(), in_hand_.end(), event.id));
      handle(Work{std::move(event), 0, Clock::now(), {}});
    }
    in_hand_.clear();
  }
}

// The event's offline recipients, asked now; a webhook to them; then ack, retry or
// dead letter.
void OfflineNotifier::handle(Work work) {
  const std::string id = work.event.id;
  if (!work.dead_reason.empty()) return dead_letter(std::move(work));
  if (work.event.type != kMessageCreated) return finish(id);

  auto payload = util::parse_json_object(work.event.payload_json);
  const util::Json* members = payload.ok() ? &(*payload)["memberIds"] : nullptr;
  const auto sender = payload.ok() ? util::id_from_json((*payload)["senderId"]) : std::nullopt;
  const auto conversation = payload.ok() ? util::id_from_json((*payload)["conversationId"]) : std::nullopt;
  const util::Json* seq = payload.ok() ? &(*payload)["seq"] : nullptr;
  if (members == nullptr || !members->is_array() || !sender || !conversation || seq == nullptr ||
      !seq->is_number_integer()) {
    work.dead_reason = "unreadable payload";
    return dead_letter(std::move(work));
  }
  std::set<model::Id> candidates;
  for (const auto& member : *members) {
    if (auto member_id = util::id_from_json(member); member_id && *member_id != *sender) candidates.insert(*member_id);
  }
  std::vector<model::Id> offline;
  if (!candidates.empty()) {
    for (const auto user : offline_among_({candidates.begin(), candidates.end()})) {
      // Only members, never the sender, whatever the filter answers.
      if (candidates.count(user) != 0 && std::find(offline.begin(), offline.end(), user) == offline.end()) {
        offline.push_back(user);
      }
    }
  }
  if (offline.empty()) {
    skipped_++;
    return finish(id);
  }

  ++work.attempts;
  auto message = current_message_(*conversation, seq->get<model::Seq>());
  if (!message.ok()) return failed_attempt(std::move(work), "store: " + message.error().message);
  if (!*message || (*message)->deleted_at) {
    skipped_++;
    return finish(id);
  }
  util::Json user_ids = util::Json::array();
  util::Json mentioned = util::Json::array();
  const auto& mentions = (*message)->mentions;
  for (const auto user : offline) {
    user_ids.push_back(std::to_string(user));
    // A push service words a mention differently (and may notify past a mute).
    if (std::find(mentions.begin(), mentions.end(), user) != mentions.end()) {
      mentioned.push_back(std::to_string(user));
    }
  }
  const util::Json body{{"type", "message.offline"},
                        {"eventId", id},
                        {"userIds", std::move(user_ids)},
                        {"mentionedUserIds", std::move(mentioned)},
                        {"message", wire::message_json(**message)}};
  keep_fresh();
  const auto response = sender_->post(util::dump_json(body), id);
  if (response.delivered()) {
    delivered_++;
    util::log::info("jobs.webhook_delivered", {{"event_id", std::string_view(id)},
                                               {"users", static_cast<std::int64_t>(offline.size())},
                                               {"attempt", static_cast<std::int64_t>(work.attempts)}});
    return finish(id);
  }
  if (stopping_ && response.status == 0) return;  // cut short by stop(): stays pending
  failed_attempt(std::move(work), describe(response));
}

void OfflineNotifier::failed_attempt(Work work, const std::string& why) {
  const std::string id = work.event.id;
  failed_attempts_++;
  if (work.attempts >= options_.max_attempts) {
    work.dead_reason = "webhook failed " + std::to_string(work.attempts) + " times, last: " + why;
    return dead_letter(std::move(work));
  }
  const auto delay = backoff_for(work.attempts);
  util::log::warn("jobs.webhook_failed", {{"event_id", std::string_view(id)},
                                          {"attempt", static_cast<std::int64_t>(work.attempts)},
                                          {"error", std::string_view(why)},
                                          {"retry_in_ms", ms_of(delay)}});
  work.due = Clock::now() + delay;
  retry_later(std::move(work));
}

void OfflineNotifier::retry_later(Work work) {
  std::string id = work.event.id;
  retrying_.insert_or_assign(std::move(id), std::move(work));
  retrying_count_ = retrying_.size();
}

void OfflineNotifier::retry_due() {
  const auto now = Clock::now();
  std::vector<std::string> due;
  for (const auto& [id, work] : retrying_) {
    if (work.due <= now) due.push_back(id);
  }
  for (const auto& id : due) {
    if (stopping_) return;
    auto node = retrying_.extract(id);
    retrying_count_ = retrying_.size();
    if (!node.empty()) handle(std::move(node.mapped()));
  }
}

void OfflineNotifier::finish(const std::string& id) {
  auto acked = consumer_->ack({id});
  if (!acked.ok()) unacked_.push_back(id);
}

// Acks that failed earlier (the log was unreachable), sent again.
void OfflineNotifier::settle() {
  if (unacked_.empty()) return;
  if (consumer_->ack(unacked_).ok()) unacked_.clear();
}

void OfflineNotifier::dead_letter(Work work) {
  auto moved = consumer_->dead_letter(work.event, work.dead_reason);
  if (!moved.ok()) {
    // The log is unreachable: try the move again later, never the webhook.
    work.due = Clock::now() + options_.backoff_min;
    return retry_later(std::move(work));
  }
  dead_lettered_++;
  util::log::error("jobs.webhook_dead_lettered", {{"event_id", std::string_view(work.event.id)},
                                                  {"reason", std::string_view(work.dead_reason)},
                                                  {"dead_lettered_total", static_cast<std::int64_t>(dead_lettered_)}});
}

milliseconds OfflineNotifier::backoff_for(int attempts) {
  auto ceiling = options_.backoff_min;
  for (int i = 1; i < attempts && ceiling < options_.backoff_max; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, options_.backoff_max);
  // Half fixed, half random: retries of many events failed at once spread out.
  std::uniform_int_distribution<std::int64_t> jitter(0, ceiling.count() / 2);
  return milliseconds(ceiling.count() - ceiling.count() / 2 + jitter(random_));
}

// Keeps this consumer's entries from looking abandoned while it still works on them.
void OfflineNotifier::keep_fresh() {
  const auto now = Clock::now();
  if (now < next_keep_) return;
  next_keep_ = now + std::max(options_.reclaim_idle / 3, milliseconds(1));
  std::vector<std::string> ids = in_hand_;
  for (const auto& [id, work] : retrying_) ids.push_back(id);
  if (!ids.empty()) (void)consumer_->keep(ids);
}

void OfflineNotifier::maintain() {
  keep_fresh();
  const auto now = Clock::now();
  if (now >= next_prune_) {
    next_prune_ = now + kPruneEvery;
    auto pruned = consumer_->prune_consumers(kPruneIdle);
    if (pruned.ok() && *pruned > 0) {
      util::log::info("jobs.event_consumers_pruned",
                      {{"group", kGroup}, {"count", static_cast<std::int64_t>(*pruned)}});
    }
  }
  if (now < next_reclaim_) return;
  next_reclaim_ = now + std::max(options_.reclaim_idle / 3, milliseconds(1));
  auto taken = consumer_->reclaim(options_.reclaim_idle, options_.batch);
  if (!taken.ok()) return;
  for (auto& event : *taken) {
    if (stopping_) return;
    if (retrying_.count(event.id) != 0) continue;  // ours already, only stale
    reclaimed_++;
    util::log::info("jobs.event_reclaimed", {{"event_id", std::string_view(event.id)}, {"group", kGroup}});
    handle(Work{std::move(event), 0, Clock::now(), {}});
  }
}

}  // namespace talkline::jobs
