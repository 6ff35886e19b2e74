#pragma once

#include "model/conversation.hpp"
#include "model/message.hpp"
#include "model/session.hpp"
#include "model/user.hpp"
#include "store/sqlite/statement.hpp"

// Each reader turns the current row of a statement into a model struct, reading the
// columns in the order of the matching list below, starting at column `first`. Queries
// spell the lists out (with a table alias where they join), in exactly this order.
//
//   user:         id, username, display_name, bio, avatar_url, role, created_at, last_seen_at, banned_at
//   conversation: id, kind, title, created_by, created_at, last_seq, last_activity_at
//   member:       conversation_id, user_id, role, joined_at, delivered_seq, read_seq
//   message:      id, conversation_id, seq, sender_id, client_msg_id, body, reply_to, created_at, edited_at
//   token:        id, user_id, family_id, token_hash, created_at, expires_at, used_at, revoked_at

namespace talkline::store::sqlite {

inline constexpr int kUserColumnCount = 9;

model::User read_user(const Statement& row, int first = 0);
model::Conversation read_conversation(const Statement& row, int first = 0);
model::Member read_member(const Statement& row, int first = 0);
model::Message read_message(const Statement& row, int first = 0);
model::RefreshToken read_refresh_token(const Statement& row, int first = 0);

}  // namespace talkline::store::sqlite
