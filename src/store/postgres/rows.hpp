#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "store/row_reader.hpp"

struct pg_result;

namespace talkline::store::postgres {

/// The rows of one statement's answer (text format), owned until destruction.
class Rows {
 public:
  /// One row of the answer, for the model mappers (a store::RowReader). Valid while the
  /// Rows it came from lives.
  class Row {
   public:
    Row(const Rows& rows, int row) : rows_(&rows), row_(row) {}
    std::string text(int column) const { return rows_->text(row_, column); }
    std::int64_t int64(int column) const { return rows_->int64(row_, column); }
    std::optional<std::int64_t> optional_int64(int column) const { return rows_->optional_int64(row_, column); }

   private:
    const Rows* rows_;
    int row_;
  };

  Rows() = default;
  explicit Rows(pg_result* result);

  int size() const;
  bool empty() const { return size() == 0; }
  Row at(int row) const { return Row(*this, row); }
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

static_assert(store::RowReader<Rows::Row>);

// The column lists of the model mappers (store/row_mappers.hpp), in their order and with
// the table aliases the queries use; queries select them through these, so the order
// lives in one place.
inline constexpr const char* kUserColumns =
    "u.id, u.username, u.display_name, u.bio, u.avatar_url, u.role, u.created_at, u.last_seen_at, u.banned_at";
inline constexpr const char* kConversationColumns =
    "c.id, c.kind, c.title, c.created_by, c.created_at, c.last_seq, c.last_activity_at, c.last_change_seq,"
    " c.retention_days";
inline constexpr const char* kMemberColumns =
    "mb.conversation_id, mb.user_id, mb.role, mb.joined_at, mb.delivered_seq, mb.read_seq, mb.delivered_change_seq";
inline constexpr const char* kMessageColumns =
    "m.id, m.conversation_id, m.seq, m.sender_id, m.client_msg_id, m.body, m.reply_to, m.created_at, m.edited_at,"
    " m.change_seq, m.deleted_at";
inline constexpr const char* kTokenColumns =
    "t.id, t.user_id, t.family_id, t.token_hash, t.created_at, t.expires_at, t.used_at, t.revoked_at";

}  // namespace talkline::store::postgres
