#pragma once

#include <atomic>
#include <cstdint>

#include "model/types.hpp"
#include "services/event_publisher.hpp"
#include "store/store.hpp"
#include "util/clock.hpp"
#include "util/result.hpp"

namespace talkline::services {

struct RetentionSettings {
  /// The server's retention in ms (TALKLINE_RETENTION_DAYS); 0: forever, unless a
  /// conversation sets its own.
  model::Millis retention_ms = 0;
  /// Messages one store transaction looks at, at most (TALKLINE_RETENTION_BATCH).
  int batch = 500;
};

/// What one sweep did.
struct SweepReport {
  std::int64_t conversations = 0;  // conversations it expired messages in
  std::int64_t expired = 0;        // messages it turned into tombstones
  std::int64_t batches = 0;        // store transactions it ran
};

/// Expires messages older than their conversation's retention (D25): each becomes a
/// tombstone exactly like a delete, recorded as a `deleted` change with no actor and
/// announced to the members like one, in change_seq order with the conversation's other
/// changes.
///
/// Threads: sweep_once() from one background thread at a time per process; it blocks on
/// the store. Several processes may sweep at once (the store keeps them from expiring a
/// message twice).
class RetentionService {
 public:
  RetentionService(store::Store& store, const util::Clock& clock, RetentionSettings settings)
      : store_(store), clock_(clock), settings_(settings) {}

  /// Where expiries are announced; none by default.
  void publish_to(EventPublisher* events) { events_ = events; }

  /// Goes once through every conversation with messages past their time, one bounded
  /// batch (one short store transaction) after another, so sends are never held up for
  /// longer than a batch. Stops at the first store error; what committed before it
  /// stays expired and announced. Also stops between two batches once `cancelled` is
  /// set (shutdown); the next sweep goes on from there.
  Result<SweepReport> sweep_once(const std::atomic<bool>* cancelled = nullptr);

 private:
  /// Runs batches over one conversation until it has nothing old left.
  Result<void> sweep_conversation(model::Id conversation_id, model::Millis now, SweepReport& report,
                                  const std::atomic<bool>* cancelled);

  store::Store& store_;
  const util::Clock& clock_;
  RetentionSettings settings_;
  EventPublisher* events_ = nullptr;
};

}  // namespace talkline::services
