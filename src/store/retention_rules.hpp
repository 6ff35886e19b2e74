#pragma once

#include <cstddef>
#include <vector>

#include "model/message.hpp"

// What one retention sweep batch does with the messages past a conversation's watermark:
// the rules both backends apply inside the batch's transaction (Store::message_expire_async).

namespace talkline::store {

struct ExpiryPlan {
  /// The leading candidates older than the retention; the watermark moves past them and
  /// those not deleted yet expire.
  std::size_t old_count = 0;
  /// The watermark after the batch.
  model::Seq swept = 0;
  /// Whether messages past the batch may be old enough too.
  bool more = false;
};

/// `candidates` are the `limit` messages after the watermark `swept`, in seq order;
/// `keep` is the conversation's effective retention (ms, positive). The sweep stops at
/// the first message not old enough, so a later one never expires before it.
inline ExpiryPlan plan_expiry(const std::vector<model::Message>& candidates, model::Millis now, model::Millis keep,
                              model::Seq swept, int limit) {
  ExpiryPlan plan;
  plan.swept = swept;
  for (const model::Message& message : candidates) {
    if (message.created_at >= now - keep) return plan;
    plan.swept = message.seq;
    ++plan.old_count;
  }
  plan.more = candidates.size() == static_cast<std::size_t>(limit);
  return plan;
}

/// The delete an expiry is: no actor, marked as expired (decision D25).
inline model::MessageChange expiry_of(const model::Message& message, model::Millis now) {
  model::MessageChange change;
  change.kind = model::ChangeKind::deleted;
  change.conversation_id = message.conversation_id;
  change.message_id = message.id;
  change.at = now;
  change.expired = true;
  return change;
}

}  // namespace talkline::store
