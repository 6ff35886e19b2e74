#include "services/retention_service.hpp"

#include <future>
#include <utility>
#include <vector>

namespace talkline::services {

namespace {

bool is_set(const std::atomic<bool>* flag) { return flag && flag->load(std::memory_order_relaxed); }

}  // namespace

Result<SweepReport> RetentionService::sweep_once(const std::atomic<bool>* cancelled) {
  SweepReport report;
  // One `now` for the whole sweep: a message that comes of age meanwhile waits for the
  // next one, and every conversation is judged by the same clock reading.
  const model::Millis now = clock_.now_ms();
  model::Id after = 0;
  for (;;) {
    TL_TRY_ASSIGN(const std::vector<model::Id> due,
                  store_.conversations_due_for_expiry(now, settings_.retention_ms, after, settings_.batch));
    for (const model::Id conversation_id : due) {
      if (is_set(cancelled)) return report;
      TL_TRY(sweep_conversation(conversation_id, now, report, cancelled));
    }
    if (due.size() < static_cast<std::size_t>(settings_.batch)) return report;
    after = due.back();
  }
}

Result<void> RetentionService::sweep_conversation(model::Id conversation_id, model::Millis now, SweepReport& report,
                                                  const std::atomic<bool>* cancelled) {
  model::ExpiryRequest request;
  request.conversation_id = conversation_id;
  request.now = now;
  request.default_retention = settings_.retention_ms;
  request.limit = settings_.batch;
  std::int64_t expired_here = 0;
  for (bool more = true; more;) {
    // Announced from the store's completion, as a delete is: in commit order with the
    // conversation's sends and other changes.
    std::promise<Result<model::ExpiryOutcome>> answer;
    auto outcome_future = answer.get_future();
    store_.message_expire_async(request, [this, &answer](Result<model::ExpiryOutcome> outcome) {
      if (outcome.ok() && events_) {
        for (const model::Change& change : outcome->changes) events_->message_changed(change, outcome->member_ids, "");
      }
      answer.set_value(std::move(outcome));
    });
    // Waits for this batch's commit before asking for the next, so a sweep holds at
    // most one of the store's write slots at a time.
    TL_TRY_ASSIGN(const model::ExpiryOutcome outcome, outcome_future.get());
    ++report.batches;
    expired_here += static_cast<std::int64_t>(outcome.changes.size());
    more = outcome.more && !is_set(cancelled);
  }
  report.expired += expired_here;
  if (expired_here > 0) ++report.conversations;
  return ok_result();
}

}  // namespace talkline::services
