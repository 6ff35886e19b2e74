#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "jobs/event_log.hpp"
#include "jobs/webhook_client.hpp"
#include "model/message.hpp"
#include "model/types.hpp"
#include "util/result.hpp"

namespace talkline::jobs {

/// Which of the given users are offline now (on every node), in any order.
using OfflineFilter = std::function<std::vector<model::Id>(const std::vector<model::Id>&)>;

/// The message at (conversation, seq) as it is now; nullopt when there is none. Called
/// on the notifier's thread, so it may block on the store.
using MessageReader = std::function<Result<std::optional<model::Message>>(model::Id conversation_id, model::Seq seq)>;

struct OfflineNotifierOptions {
  /// Unique among the live nodes (see offline_notifier_consumer_name()).
  std::string consumer_name;
  /// Webhook attempts per event before it goes to the dead letters.
  int max_attempts = 8;
  /// Retry n waits a random time in [d/2, d], d = min(backoff_max, backoff_min * 2^(n-1)).
  std::chrono::milliseconds backoff_min{1000};
  std::chrono::milliseconds backoff_max{60000};
  /// Entries pending on a consumer for this long are taken over (its node died).
  std::chrono::milliseconds reclaim_idle{30000};
  /// Events waiting for a retry at once; at the bound no new events are taken until
  /// some are done, so a dead receiver costs bounded memory, and the rest waits in the log.
  std::size_t max_retrying = 1000;
  /// Events taken from the log per read, and the longest wait for one.
  std::size_t batch = 32;
  std::chrono::milliseconds poll{1000};
};

/// A consumer name for this process: host, pid and a random part, so that a restarted
/// node never inherits (and forgets) the pending entries of its previous life; those are
/// reclaimed like any dead consumer's.
std::string offline_notifier_consumer_name();

/// The first background job (docs/HLD.md "Background jobs and the event log"): tells a
/// webhook about each new message whose recipients are offline, so that it can send
/// them a push notification or an email.
///
/// One thread per node, consumer group "offline-notifier". For each "message.created"
/// event: the members other than the sender that `offline_among` says are offline now;
/// none → ack; else the message as it is now (`current_message`: the log holds ids, not
/// text, and a message deleted meanwhile is acked without a webhook, an edited one goes
/// out with its new body; a store that cannot answer counts as a failed attempt); POST
///
///   {"type":"message.offline","eventId":"<log id>","userIds":["…"],"message":{…}}
///
/// with `X-TalkLine-Event-Id: <log id>` (the same on every retry: receivers dedupe on
/// it — delivery is at least once). A 2xx answer acks the event; anything else is
/// retried with exponential backoff and jitter while new events go on, and after
/// `max_attempts` the event goes to the dead letters. Offline members are asked again
/// at each attempt, so one who came back meanwhile is left out. Every reclaim_idle / 3
/// the job keeps its own pending entries fresh and takes over those of dead consumers.
class OfflineNotifier {
 public:
  static constexpr std::string_view kGroup = "offline-notifier";

  struct Stats {
    std::uint64_t delivered = 0;  // webhooks answered 2xx
    std::uint64_t skipped = 0;    // events with nobody offline to tell, or whose message was deleted
    std::uint64_t failed_attempts = 0;
    std::uint64_t dead_lettered = 0;
    std::uint64_t reclaimed = 0;  // entries taken over from other consumers
    std::size_t retrying = 0;
  };

  OfflineNotifier(EventLog& log, std::unique_ptr<WebhookSender> sender, OfflineFilter offline_among,
                  MessageReader current_message, OfflineNotifierOptions options);
  /// Stops (see stop()).
  ~OfflineNotifier();
  OfflineNotifier(const OfflineNotifier&) = delete;
  OfflineNotifier& operator=(const OfflineNotifier&) = delete;

  /// Joins the consumer group (so events appended from now on are seen) and starts the
  /// thread.
  void start();
  /// Cancels a webhook in flight and joins the thread. Unacked events stay pending in
  /// the log, for another node to reclaim. Idempotent.
  void stop();

  Stats stats() const;

 private:
  struct Work {
    Event event;
    int attempts = 0;
    std::chrono::steady_clock::time_point due;
    std::string dead_reason;  // set: only the move to the dead letters is left to do
  };

  void run();
  void handle(Work work);
  void retry_due();
  void maintain();
  void keep_fresh();
  void settle();
  void finish(const std::string& id);
  void retry_later(Work work);
  void failed_attempt(Work work, const std::string& why);
  void dead_letter(Work work);
  std::chrono::milliseconds backoff_for(int attempts);
  bool sleep_for(std::chrono::milliseconds delay);

  EventLog& log_;
  std::unique_ptr<WebhookSender> sender_;
  OfflineFilter offline_among_;
  MessageReader current_message_;
  const OfflineNotifierOptions options_;
  std::unique_ptr<EventConsumer> consumer_;

  // the job thread's own state
  std::map<std::string, Work> retrying_;  // by event id, waiting for their due time
  std::vector<std::string> unacked_;      // done, but the ack did not reach the log yet
  std::vector<std::string> in_hand_;      // the batch being worked through
  std::chrono::steady_clock::time_point next_keep_{};
  std::chrono::steady_clock::time_point next_reclaim_{};
  std::chrono::steady_clock::time_point next_prune_{};
  std::mt19937_64 random_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;

  std::atomic<std::uint64_t> delivered_{0};
  std::atomic<std::uint64_t> skipped_{0};
  std::atomic<std::uint64_t> failed_attempts_{0};
  std::atomic<std::uint64_t> dead_lettered_{0};
  std::atomic<std::uint64_t> reclaimed_{0};
  std::atomic<std::size_t> retrying_count_{0};
};

}  // namespace talkline::jobs
