#pragma once

#include "model/attachment.hpp"
#include "model/conversation.hpp"
#include "model/message.hpp"
#include "model/session.hpp"
#include "model/user.hpp"
#include "store/row_reader.hpp"

// Each mapper turns one row into a model struct, reading the columns in the order of the
// matching list below, starting at column `first` (a query may put other columns before
// them). Every backend's queries select the columns in exactly this order.
//
//   user:         id, username, display_name, bio, avatar_url, role, created_at, last_seen_at, banned_at
//   conversation: id, kind, title, created_by, created_at, last_seq, last_activity_at, last_change_seq,
//                 retention_days
//   member:       conversation_id, user_id, role, joined_at, delivered_seq, read_seq, delivered_change_seq
//   message:      id, conversation_id, seq, sender_id, client_msg_id, body, reply_to, created_at, edited_at,
//                 change_seq, deleted_at
//   token:        id, user_id, family_id, token_hash, created_at, expires_at, used_at, revoked_at
//   upload:       kUploadColumns below

namespace talkline::store {

inline constexpr int kUserColumnCount = 9;
inline constexpr int kConversationColumnCount = 9;
inline constexpr int kMemberColumnCount = 7;
inline constexpr int kMessageColumnCount = 11;
/// The upload columns of table `u`, the same on every backend.
inline constexpr const char* kUploadColumns =
    "u.id, u.uploader_id, u.size, u.content_type, u.sha256, u.blob_key, u.file_name, u.created_at,"
    " u.conversation_id, u.message_seq, u.thumbnail_key, u.thumbnail_size, u.thumbnail_width, u.thumbnail_height";
inline constexpr int kUploadColumnCount = 14;

/// A role name the model does not know reads as a plain user.
model::User read_user(const RowReader auto& row, int first = 0) {
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

/// Leaves `members` empty; the caller reads those from rows of their own.
model::Conversation read_conversation(const RowReader auto& row, int first = 0) {
  model::Conversation conversation;
  conversation.id = row.int64(first);
  conversation.kind =
      row.text(first + 1) == "direct" ? model::ConversationKind::direct : model::ConversationKind::group;
  conversation.title = row.text(first + 2);
  conversation.created_by = row.int64(first + 3);
  conversation.created_at = row.int64(first + 4);
  conversation.last_seq = row.int64(first + 5);
  conversation.last_activity_at = row.int64(first + 6);
  conversation.last_change_seq = row.int64(first + 7);
  if (const auto days = row.optional_int64(first + 8)) conversation.retention_days = static_cast<int>(*days);
  return conversation;
}

/// A role name the model does not know reads as a plain member.
model::Member read_member(const RowReader auto& row, int first = 0) {
  model::Member member;
  member.conversation_id = row.int64(first);
  member.user_id = row.int64(first + 1);
  member.role = model::member_role_from_name(row.text(first + 2)).value_or(model::MemberRole::member);
  member.joined_at = row.int64(first + 3);
  member.delivered_seq = row.int64(first + 4);
  member.read_seq = row.int64(first + 5);
  member.delivered_change_seq = row.int64(first + 6);
  return member;
}

model::Message read_message(const RowReader auto& row, int first = 0) {
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
  message.change_seq = row.int64(first + 9);
  message.deleted_at = row.optional_int64(first + 10);
  return message;
}

model::Upload read_upload(const RowReader auto& row, int first = 0) {
  model::Upload upload;
  upload.id = row.int64(first);
  upload.uploader_id = row.int64(first + 1);
  upload.size = static_cast<std::uint64_t>(row.int64(first + 2));
  upload.content_type = row.text(first + 3);
  upload.sha256 = row.text(first + 4);
  upload.blob_key = row.text(first + 5);
  upload.file_name = row.text(first + 6);
  upload.created_at = row.int64(first + 7);
  upload.conversation_id = row.optional_int64(first + 8);
  upload.message_seq = row.optional_int64(first + 9);
  if (auto thumbnail_size = row.optional_int64(first + 11)) {
    upload.thumbnail = model::Thumbnail{row.text(first + 10), static_cast<std::uint64_t>(*thumbnail_size),
                                        static_cast<int>(row.optional_int64(first + 12).value_or(0)),
                                        static_cast<int>(row.optional_int64(first + 13).value_or(0))};
  }
  return upload;
}

model::RefreshToken read_refresh_token(const RowReader auto& row, int first = 0) {
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

}  // namespace talkline::store
