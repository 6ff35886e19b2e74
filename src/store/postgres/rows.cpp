#include "store/postgres/rows.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <cstdlib>

namespace talkline::store::postgres {

void Rows::Clear::operator()(pg_result* result) const { PQclear(result); }

Rows::Rows(pg_result* result) : result_(result) {}

int Rows::size() const { return result_ ? PQntuples(result_.get()) : 0; }

bool Rows::is_null(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }

std::string Rows::text(int row, int column) const {
  return std::string(PQgetvalue(result_.get(), row, column),
                     static_cast<std::size_t>(PQgetlength(result_.get(), row, column)));
}

std::int64_t Rows::int64(int row, int column) const {
  const char* value = PQgetvalue(result_.get(), row, column);
  std::int64_t parsed = 0;
  auto [end, ec] = std::from_chars(value, value + PQgetlength(result_.get(), row, column), parsed);
  // Only integer columns are read here; anything else is a bug in our SQL.
  if (ec != std::errc()) std::abort();
  return parsed;
}

std::optional<std::int64_t> Rows::optional_int64(int row, int column) const {
  if (is_null(row, column)) return std::nullopt;
  return int64(row, column);
}

std::int64_t Rows::affected() const {
  const char* count = result_ ? PQcmdTuples(result_.get()) : "";
  std::int64_t parsed = 0;
  std::from_chars(count, count + std::char_traits<char>::length(count), parsed);
  return parsed;
}

model::User read_user(const Rows& rows, int row, int first) {
  model::User user;
  user.id = rows.int64(row, first);
  user.username = rows.text(row, first + 1);
  user.display_name = rows.text(row, first + 2);
  user.bio = rows.text(row, first + 3);
  user.avatar_url = rows.text(row, first + 4);
  user.role = model::role_from_name(rows.text(row, first + 5)).value_or(model::Role::user);
  user.created_at = rows.int64(row, first + 6);
  user.last_seen_at = rows.optional_int64(row, first + 7);
  user.banned_at = rows.optional_int64(row, first + 8);
  return user;
}

model::Conversation read_conversation(const Rows& rows, int row, int first) {
  model::Conversation conversation;
  conversation.id = rows.int64(row, first);
  conversation.kind =
      rows.text(row, first + 1) == "direct" ? model::ConversationKind::direct : model::ConversationKind::group;
  conversation.title = rows.text(row, first + 2);
  conversation.created_by = rows.int64(row, first + 3);
  conversation.created_at = rows.int64(row, first + 4);
  conversation.last_seq = rows.int64(row, first + 5);
  conversation.last_activity_at = rows.int64(row, first + 6);
  return conversation;
}

model::Member read_member(const Rows& rows, int row, int first) {
  model::Member member;
  member.conversation_id = rows.int64(row, first);
  member.user_id = rows.int64(row, first + 1);
  member.role = model::member_role_from_name(rows.text(row, first + 2)).value_or(model::MemberRole::member);
  member.joined_at = rows.int64(row, first + 3);
  member.delivered_seq = rows.int64(row, first + 4);
  member.read_seq = rows.int64(row, first + 5);
  return member;
}

model::Message read_message(const Rows& rows, int row, int first) {
  model::Message message;
  message.id = rows.int64(row, first);
  message.conversation_id = rows.int64(row, first + 1);
  message.seq = rows.int64(row, first + 2);
  message.sender_id = rows.int64(row, first + 3);
  message.client_msg_id = rows.text(row, first + 4);
  message.body = rows.text(row, first + 5);
  message.reply_to = rows.optional_int64(row, first + 6);
  message.created_at = rows.int64(row, first + 7);
  message.edited_at = rows.optional_int64(row, first + 8);
  return message;
}

model::RefreshToken read_refresh_token(const Rows& rows, int row, int first) {
  model::RefreshToken token;
  token.id = rows.int64(row, first);
  token.user_id = rows.int64(row, first + 1);
  token.family_id = rows.int64(row, first + 2);
  token.token_hash = rows.text(row, first + 3);
  token.created_at = rows.int64(row, first + 4);
  token.expires_at = rows.int64(row, first + 5);
  token.used_at = rows.optional_int64(row, first + 6);
  token.revoked_at = rows.optional_int64(row, first + 7);
  return token;
}

}  // namespace talkline::store::postgres
