#pragma once

#include "model/conversation.hpp"
#include "util/json.hpp"

namespace talkline::wire {

/// The conversation objects of the public contract (docs/protocol.md, "JSON shapes"):
/// camelCase, ids as strings, times as RFC 3339. The REST answers, `conversation:updated`
/// and the socket acks all use these, so a conversation looks the same everywhere.
util::Json member_json(const model::Member& member);
util::Json conversation_json(const model::Conversation& conversation);
/// conversation_json plus the caller's view of it: `lastMessage` (or null) `unreadCount` and
/// `mentionCount`.
util::Json conversation_summary_json(const model::ConversationSummary& summary);

}  // namespace talkline::wire
