#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/conversation.hpp"
#include "store/store.hpp"
#include "util/result.hpp"

namespace talkline::store::postgres {

class Executor;

// Conversations, their members and the members' read cursors. Functions marked "task"
// issue several statements and must run inside one transaction (PostgresStore::write or
// read); the others are one statement each.

/// The conversation with its members (ordered by joining time, then user id).
Result<model::Conversation> load_conversation(Executor& db, model::Id conversation_id);
/// Task (write).
Result<Store::DirectOutcome> create_direct_conversation(Executor& db, const model::NewDirectConversation& c);
/// Task (write).
Result<model::Conversation> create_group_conversation(Executor& db, const model::NewGroupConversation& c);
/// Task (read, one snapshot).
Result<std::vector<model::ConversationSummary>> list_conversations_for_user(Executor& db, model::Id user_id,
                                                                            const std::optional<ActivityCursor>& after,
                                                                            int limit);
Result<model::Conversation> rename_conversation(Executor& db, model::Id conversation_id, const std::string& title);

Result<model::Member> find_member(Executor& db, model::Id conversation_id, model::Id user_id);
/// Task (write).
Result<model::Conversation> add_members(Executor& db, model::Id conversation_id, const std::vector<model::Id>& user_ids,
                                        model::Millis now, int max_members);
/// Task (write).
Result<void> remove_member(Executor& db, model::Id conversation_id, model::Id user_id);
Result<model::Conversation> set_member_role(Executor& db, model::Id conversation_id, model::Id user_id,
                                            model::MemberRole role);
/// The member after the move; `member_ids` is left empty (see member_user_ids).
Result<model::CursorAdvance> advance_member_cursor(Executor& db, model::Id conversation_id, model::Id user_id,
                                                   const model::CursorMove& move);
/// The conversation's members' user ids, in no particular order.
Result<std::vector<model::Id>> member_user_ids(Executor& db, model::Id conversation_id);
/// member_user_ids' statement ($1 the conversation id), for callers that pipeline it.
extern const std::string kMemberUserIdsSql;

}  // namespace talkline::store::postgres
