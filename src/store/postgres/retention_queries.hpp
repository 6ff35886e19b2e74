#pragma once

#include <optional>
#include <vector>

#include "model/conversation.hpp"
#include "model/message.hpp"
#include "util/result.hpp"

namespace talkline::store::postgres {

class Executor;

// Retention: a conversation's own setting, and the sweep that expires old messages
// (see migration 0007 and Store's retention methods).

/// One statement: see Store::conversation_set_retention.
Result<model::Conversation> set_conversation_retention(Executor& db, model::Id conversation_id,
                                                       std::optional<int> days);
/// One statement: see Store::conversations_due_for_expiry.
Result<std::vector<model::Id>> conversations_due(Executor& db, model::Millis now, model::Millis default_retention,
                                                 model::Id after_id, int limit);
/// Task (write, one transaction): see Store::message_expire_async. Locks the
/// conversation row first, like a send or a change, so two nodes sweeping the same
/// conversation take turns and the second finds the first's work done.
Result<model::ExpiryOutcome> expire_messages(Executor& db, const model::ExpiryRequest& request);

}  // namespace talkline::store::postgres
