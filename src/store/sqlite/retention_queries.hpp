#pragma once

#include <optional>
#include <vector>

#include "model/conversation.hpp"
#include "model/message.hpp"
#include "util/result.hpp"

namespace talkline::store::sqlite {

class Connection;

// Retention: a conversation's own setting, and the sweep that expires old messages
// (see migration 0007 and Store's retention methods).

/// Write job: see Store::conversation_set_retention.
Result<model::Conversation> set_conversation_retention(Connection& db, model::Id conversation_id,
                                                       std::optional<int> days);
/// Read: see Store::conversations_due_for_expiry.
Result<std::vector<model::Id>> conversations_due(Connection& db, model::Millis now, model::Millis default_retention,
                                                 model::Id after_id, int limit);
/// Write job: see Store::message_expire_async.
Result<model::ExpiryOutcome> expire_messages(Connection& db, const model::ExpiryRequest& request);

}  // namespace talkline::store::sqlite
