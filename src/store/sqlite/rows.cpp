#include "store/sqlite/rows.hpp"

namespace talkline::store::sqlite {

model::User read_user(const Statement& row, int first) {
  model::User user;
  user.id = row.int64(first);
  user.username = row.text(first + 1);
  user.display_name = row.text(first + 2);
  user.bio = row.text(first + 3);
  user.avatar_url = row.text(first + 4);
  user.role = model::role_from_name(row.text(first + 5)).value_or(model::Role::user);
  user.created_at = row.int64(first + 6);
  user.last_seen_at = row.optional_int64(first + 7);
  user.banned_at = row.optional_int64(first + 8);
  return user;
}

model::Conversation read_conversation(const Statement& row, int first) {
  model::Conversation conversation;
  conversation.id = row.int64(first);
  conversation.kind =
      row.text(first + 1) == "direct" ? model::ConversationKind::direct : model::ConversationKind::group;
  conversation.title = row.text(first + 2);
  conversation.created_by = row.int64(first + 3);
  conversation.created_at = row.int64(first + 4);
  conversation.last_seq = row.int64(first + 5);
  conversation.last_activity_at = row.int64(first + 6);
  return conversation;
}

model::Member read_member(const Statement& row, int first) {
  model::Member member;
  member.conversation_id = row.int64(first);
  member.user_id = row.int64(first + 1);
  member.role = model::member_role_from_name(row.text(first + 2)).value_or(model::MemberRole::member);
  member.joined_at = row.int64(first + 3);
  member.delivered_seq = row.int64(first + 4);
  member.read_seq = row.int64(first + 5);
  return member;
}

model::Message read_message(const Statement& row, int first) {
  model::Message message;
  message.id = row.int64(first);
  message.conversation_id = row.int64(first + 1);
  message.seq = row.int64(first + 2);
  message.sender_id = row.int64(first + 3);
  message.client_msg_id = row.text(first + 4);
  message.body = row.text(first + 5);
  message.reply_to = row.optional_int64(first + 6);
  message.created_at = row.int64(first + 7);
  message.edited_at = row.optional_int64(first + 8);
  return message;
}

model::RefreshToken read_refresh_token(const Statement& row, int first) {
  model::RefreshToken token;
  token.id = row.int64(first);
  token.user_id = row.int64(first + 1);
  token.family_id = row.int64(first + 2);
  token.token_hash = row.text(first + 3);
  token.created_at = row.int64(first + 4);
  token.expires_at = row.int64(first + 5);
  token.used_at = row.optional_int64(first + 6);
  token.revoked_at = row.optional_int64(first + 7);
  return token;
}

}  // namespace talkline::store::sqlite
