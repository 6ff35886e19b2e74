#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "model/conversation.hpp"
#include "model/message.hpp"
#include "model/session.hpp"
#include "model/user.hpp"

struct pg_result;

namespace talkline::store::postgres {

/// The rows of one statement's answer (text format), owned until destruction.
class Rows {
 public:
  Rows() = default;
  explicit Rows(pg_result* result);

  int size() const;
  bool empty() const { return size() == 0; }
  bool is_null(int row, int column) const;
  std::string text(int row, int column) const;
  std::int64_t int64(int row, int column) const;
  std::optional<std::int64_t> optional_int64(int row, int column) const;
  /// Rows changed by an INSERT, UPDATE or DELETE.
  std::int64_t affected() const;

 private:
  struct Clear {
    void operator()(pg_result* result) const;
  };
  std::unique_ptr<pg_result, Clear> result_;
};

// Each reader turns row `row` of an answer into a model struct, reading the columns in the
// order of the matching list below, starting at column `first`. Queries spell the lists
// out (kUserColumns and friends), so the order lives in one place.
inline constexpr const char* kUserColumns =
    "u.id, u.username, u.display_name, u.bio, u.avatar_url, u.role, u.created_at, u.last_seen_at, u.banned_at";
inline constexpr int kUserColumnCount = 9;
inline constexpr const char* kConversationColumns =
    "c.id, c.kind, c.title, c.created_by, c.created_at, c.last_seq, c.last_activity_at";
inline constexpr int kConversationColumnCount = 7;
inline constexpr const char* kMemberColumns =
    "mb.conversation_id, mb.user_id, mb.role, mb.joined_at, mb.delivered_seq, mb.read_seq";
inline constexpr const char* kMessageColumns =
    "m.id, m.conversation_id, m.seq, m.sender_id, m.client_msg_id, m.body, m.reply_to, m.created_at, m.edited_at";
inline constexpr const char* kTokenColumns =
    "t.id, t.user_id, t.family_id, t.token_hash, t.created_at, t.expires_at, t.used_at, t.revoked_at";

model::User read_user(const Rows& rows, int row, int first = 0);
model::Conversation read_conversation(const Rows& rows, int row, int first = 0);
model::Member read_member(const Rows& rows, int row, int first = 0);
model::Message read_message(const Rows& rows, int row, int first = 0);
model::RefreshToken read_refresh_token(const Rows& rows, int row, int first = 0);

}  // namespace talkline::store::postgres
