#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/conversation.hpp"
#include "store/store.hpp"
#include "util/result.hpp"

namespace talkline::store::sqlite {

class Connection;

// Conversations, their members and the members' read cursors.

/// The conversation with its members (ordered by joining time, then user id).
Result<model::Conversation> load_conversation(Connection& db, model::Id conversation_id);
Result<Store::DirectOutcome> create_direct_conversation(Connection& db, const model::NewDirectConversation& c);
Result<model::Conversation> create_group_conversation(Connection& db, const model::NewGroupConversation& c);
Result<std::vector<model::ConversationSummary>> list_conversations_for_user(Connection& db, model::Id user_id,
                                                                            const std::optional<ActivityCursor>& after,
                                                                            int limit);
Result<model::Conversation> rename_conversation(Connection& db, model::Id conversation_id, const std::string& title);

Result<model::Member> find_member(Connection& db, model::Id conversation_id, model::Id user_id);
Result<model::Conversation> add_members(Connection& db, model::Id conversation_id,
                                        const std::vector<model::Id>& user_ids, model::Millis now, int max_members);
Result<void> remove_member(Connection& db, model::Id conversation_id, model::Id user_id);
Result<model::Conversation> set_member_role(Connection& db, model::Id conversation_id, model::Id user_id,
                                            model::MemberRole role);
/// The member after the move; `member_ids` is left empty (see member_user_ids).
Result<model::CursorAdvance> advance_member_cursor(Connection& db, model::Id conversation_id, model::Id user_id,
                                                   const model::CursorMove& move);
/// The conversation's members' user ids, in no particular order.
Result<std::vector<model::Id>> member_user_ids(Connection& db, model::Id conversation_id);

}  // namespace talkline::store::sqlite
