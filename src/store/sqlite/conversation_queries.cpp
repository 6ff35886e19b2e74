#include "store/sqlite/conversation_queries.hpp"

#include <algorithm>
#include <limits>
#include <set>

#include "store/row_mappers.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/message_queries.hpp"
#include "store/sqlite/message_views.hpp"
#include "store/sqlite/user_queries.hpp"

namespace talkline::store::sqlite {

namespace {

Result<std::vector<model::Member>> load_members(Connection& db, model::Id conversation_id) {
  TL_TRY_ASSIGN(Statement query,
                db.prepare("SELECT conversation_id, user_id, role, joined_at, delivered_seq, read_seq,"
                           " delivered_change_seq FROM members WHERE conversation_id = ? ORDER BY joined_at, user_id"));
  query.bind_all(conversation_id);
  std::vector<model::Member> members;
  for (;;) {
    TL_TRY_ASSIGN(bool has_row, query.step());
    if (!has_row) return members;
    members.push_back(read_member(query));
  }
}

Result<void> require_users(Connection& db, const std::vector<model::Id>& user_ids) {
  for (model::Id user_id : user_ids) {
    TL_TRY_ASSIGN(bool exists, user_exists(db, user_id));
    if (!exists) return Error::not_found("user " + std::to_string(user_id) + " not found");
  }
  return ok_result();
}

Result<void> insert_conversation(Connection& db, model::Id id, model::ConversationKind kind, const std::string& title,
                                 const std::optional<std::string>& direct_key, model::Id created_by,
                                 model::Millis created_at) {
  TL_TRY_ASSIGN(
      Statement insert,
      db.prepare(
          "INSERT INTO conversations (id, kind, title, direct_key, created_by, created_at, last_seq, last_activity_at)"
          " VALUES (?, ?, ?, ?, ?, ?, 0, ?)"));
  insert.bind_all(id, model::conversation_kind_name(kind), title, direct_key, created_by, created_at, created_at);
  return insert.run();
}

// Where a member starts: both cursors at `seq`, and the change feed after the change_seq
// of the message there (`change_seq`).
struct StartingPoint {
  model::Seq seq = 0;
  model::Seq change_seq = 0;
};

// Joins a user at `from`. A newcomer starts at the conversation's current end, so the
// history they can now page through is not counted as unread.
Result<void> insert_member(Connection& db, model::Id conversation_id, model::Id user_id, model::MemberRole role,
                           model::Millis joined_at, StartingPoint from) {
  TL_TRY_ASSIGN(Statement insert, db.prepare("INSERT INTO members (conversation_id, user_id, role, joined_at,"
                                             " delivered_seq, read_seq, delivered_change_seq)"
                                             " VALUES (?, ?, ?, ?, ?, ?, ?)"
                                             " ON CONFLICT (conversation_id, user_id) DO NOTHING"));
  insert.bind_all(conversation_id, user_id, model::member_role_name(role), joined_at, from.seq, from.seq,
                  from.change_seq);
  return insert.run();
}

Result<model::Seq> conversation_last_seq(Connection& db, model::Id conversation_id) {
  TL_TRY_ASSIGN(Statement query, db.prepare("SELECT last_seq FROM conversations WHERE id = ?"));
  query.bind_all(conversation_id);
  TL_TRY_ASSIGN(bool found, query.step());
  if (!found) return Error::not_found("conversation not found");
  return query.int64(0);
}

// The conversation's end: its last seq and the change_seq of the message there.
Result<StartingPoint> conversation_end(Connection& db, model::Id conversation_id) {
  TL_TRY_ASSIGN(model::Seq last_seq, conversation_last_seq(db, conversation_id));
  if (last_seq == 0) return StartingPoint{};
  TL_TRY_ASSIGN(Statement query, db.prepare("SELECT change_seq FROM messages WHERE conversation_id = ? AND seq = ?"));
  query.bind_all(conversation_id, last_seq);
  TL_TRY_ASSIGN(bool found, query.step());
  if (!found) return Error::internal("the message at last_seq is missing");
  return StartingPoint{last_seq, query.int64(0)};
}

std::string direct_key(model::Id a, model::Id b) {
  return std::to_string(std::min(a, b)) + ":" + std::to_string(std::max(a, b));
}

}  // namespace

Result<model::Conversation> load_conversation(Connection& db, model::Id conversation_id) {
  model::Conversation conversation;
  {
    TL_TRY_ASSIGN(Statement query,
                  db.prepare("SELECT id, kind, title, created_by, created_at, last_seq, last_activity_at,"
                             " last_change_seq, retention_days FROM conversations WHERE id = ?"));
    query.bind_all(conversation_id);
    TL_TRY_ASSIGN(bool found, query.step());
    if (!found) return Error::not_found("conversation not found");
    conversation = read_conversation(query);
  }
  TL_TRY_ASSIGN(conversation.members, load_members(db, conversation_id));
  return conversation;
}

Result<Store::DirectOutcome> create_direct_conversation(Connection& db, const model::NewDirectConversation& c) {
  TL_TRY(require_users(db, {c.user_a, c.user_b}));
  std::string key = direct_key(c.user_a, c.user_b);
  {
    // Every write runs on the one writer connection, so this lookup and the insert below
    // cannot interleave with another creation of the same pair.
    TL_TRY_ASSIGN(Statement existing, db.prepare("SELECT id FROM conversations WHERE direct_key = ?"));
    existing.bind_all(key);
    TL_TRY_ASSIGN(bool found, existing.step());
    if (found) {
      model::Id id = existing.int64(0);
      TL_TRY_ASSIGN(model::Conversation conversation, load_conversation(db, id));
      return Store::DirectOutcome{std::move(conversation), false};
    }
  }
  TL_TRY(insert_conversation(db, c.id, model::ConversationKind::direct, "", key, c.user_a, c.created_at));
  TL_TRY(insert_member(db, c.id, c.user_a, model::MemberRole::member, c.created_at, {}));
  TL_TRY(insert_member(db, c.id, c.user_b, model::MemberRole::member, c.created_at, {}));
  TL_TRY_ASSIGN(model::Conversation conversation, load_conversation(db, c.id));
  return Store::DirectOutcome{std::move(conversation), true};
}

Result<model::Conversation> create_group_conversation(Connection& db, const model::NewGroupConversation& c) {
  TL_TRY(require_users(db, {c.created_by}));
  TL_TRY(require_users(db, c.member_ids));
  TL_TRY(
      insert_conversation(db, c.id, model::ConversationKind::group, c.title, std::nullopt, c.created_by, c.created_at));
  TL_TRY(insert_member(db, c.id, c.created_by, model::MemberRole::owner, c.created_at, {}));
  // insert_member ignores repeats, so a creator or duplicate in member_ids is harmless.
  for (model::Id user_id : c.member_ids) {
    TL_TRY(insert_member(db, c.id, user_id, model::MemberRole::member, c.created_at, {}));
  }
  return load_conversation(db, c.id);
}

// Pages through the user's conversations by (last_activity_at, id), newest first. The
// page is read in one statement; members and last message are then fetched per row by
// primary key, which for a page of a few dozen is cheaper than one wide join.
Result<std::vector<model::ConversationSummary>> list_conversations_for_user(Connection& db, model::Id user_id,
                                                                            const std::optional<ActivityCursor>& after,
                                                                            int limit) {
  if (limit <= 0) return Error::invalid("limit", "must be positive");
  constexpr auto kEnd = std::numeric_limits<std::int64_t>::max();
  std::vector<model::ConversationSummary> summaries;
  std::vector<model::Seq> read_seqs;
  {
    TL_TRY_ASSIGN(Statement query,
                  db.prepare("SELECT c.id, c.kind, c.title, c.created_by, c.created_at, c.last_seq, c.last_activity_at,"
                             " c.last_change_seq, c.retention_days, m.read_seq,"
                             " (SELECT count(*) FROM message_mentions mm WHERE mm.conversation_id = m.conversation_id"
                             "  AND mm.user_id = m.user_id AND mm.seq > m.read_seq)"
                             " FROM members m JOIN conversations c ON c.id = m.conversation_id"
                             " WHERE m.user_id = ? AND (c.last_activity_at, c.id) < (?, ?)"
                             " ORDER BY c.last_activity_at DESC, c.id DESC LIMIT ?"));
    query.bind_all(user_id, after ? after->last_activity_at : kEnd, after ? after->conversation_id : kEnd,
                   std::int64_t{limit});
    for (;;) {
      TL_TRY_ASSIGN(bool has_row, query.step());
      if (!has_row) break;
      model::ConversationSummary summary;
      summary.conversation = read_conversation(query);
      summaries.push_back(std::move(summary));
      read_seqs.push_back(query.int64(kConversationColumnCount));
      summaries.back().mention_count = query.int64(kConversationColumnCount + 1);
    }
  }
  for (std::size_t i = 0; i < summaries.size(); ++i) {
    model::ConversationSummary& summary = summaries[i];
    model::Conversation& conversation = summary.conversation;
    TL_TRY_ASSIGN(conversation.members, load_members(db, conversation.id));
    if (conversation.last_seq > 0) {
      TL_TRY_ASSIGN(summary.last_message, find_message_by_seq(db, conversation.id, conversation.last_seq));
      TL_TRY(attach_views(db, std::vector<model::Message*>{&*summary.last_message}));
    }
    summary.unread_count = std::max<model::Seq>(0, conversation.last_seq - read_seqs[i]);
  }
  return summaries;
}

Result<model::Conversation> rename_conversation(Connection& db, model::Id conversation_id, const std::string& title) {
  TL_TRY_ASSIGN(Statement update, db.prepare("UPDATE conversations SET title = ? WHERE id = ?"));
  update.bind_all(title, conversation_id);
  TL_TRY(update.run());
  if (db.changes() == 0) return Error::not_found("conversation not found");
  return load_conversation(db, conversation_id);
}

Result<model::Member> find_member(Connection& db, model::Id conversation_id, model::Id user_id) {
  TL_TRY_ASSIGN(Statement query,
                db.prepare("SELECT conversation_id, user_id, role, joined_at, delivered_seq, read_seq,"
                           " delivered_change_seq FROM members WHERE conversation_id = ? AND user_id = ?"));
  query.bind_all(conversation_id, user_id);
  TL_TRY_ASSIGN(bool found, query.step());
  if (!found) return Error::not_found("member not found");
  return read_member(query);
}

Result<model::Conversation> add_members(Connection& db, model::Id conversation_id,
                                        const std::vector<model::Id>& user_ids, model::Millis now, int max_members) {
  TL_TRY_ASSIGN(StartingPoint end, conversation_end(db, conversation_id));
  TL_TRY(require_users(db, user_ids));
  for (model::Id user_id : user_ids) {
    TL_TRY(insert_member(db, conversation_id, user_id, model::MemberRole::member, now, end));
  }
  // Counted after inserting, inside the same write: the job's savepoint undoes the
  // inserts when the group would be too big.
  TL_TRY_ASSIGN(Statement count, db.prepare("SELECT count(*) FROM members WHERE conversation_id = ?"));
  count.bind_all(conversation_id);
  TL_TRY(count.step());
  if (count.int64(0) > max_members) {
    return Error::invalid("userIds", "a group holds at most " + std::to_string(max_members) + " members");
  }
  return load_conversation(db, conversation_id);
}

Result<model::Conversation> set_member_role(Connection& db, model::Id conversation_id, model::Id user_id,
                                            model::MemberRole role) {
  // The owner is checked in the write itself: an owner handed on by a concurrent leave
  // (remove_member) must not be demoted by a check made before it.
  TL_TRY_ASSIGN(Statement update, db.prepare("UPDATE members SET role = ? WHERE conversation_id = ? AND user_id = ?"
                                             " AND role <> 'owner'"));
  update.bind_all(model::member_role_name(role), conversation_id, user_id);
  TL_TRY(update.run());
  if (db.changes() == 0) {
    TL_TRY(find_member(db, conversation_id, user_id));
    return Error::forbidden("the owner's role cannot change");
  }
  return load_conversation(db, conversation_id);
}

Result<void> remove_member(Connection& db, model::Id conversation_id, model::Id user_id) {
  TL_TRY_ASSIGN(model::Member leaving, find_member(db, conversation_id, user_id));
  {
    TL_TRY_ASSIGN(Statement remove, db.prepare("DELETE FROM members WHERE conversation_id = ? AND user_id = ?"));
    remove.bind_all(conversation_id, user_id);
    TL_TRY(remove.run());
  }
  if (leaving.role != model::MemberRole::owner) return ok_result();
  model::Id heir = 0;
  {
    TL_TRY_ASSIGN(
        Statement query,
        db.prepare("SELECT user_id FROM members WHERE conversation_id = ? ORDER BY joined_at, user_id LIMIT 1"));
    query.bind_all(conversation_id);
    TL_TRY_ASSIGN(bool found, query.step());
    if (!found) return ok_result();
    heir = query.int64(0);
  }
  TL_TRY_ASSIGN(Statement promote,
                db.prepare("UPDATE members SET role = 'owner' WHERE conversation_id = ? AND user_id = ?"));
  promote.bind_all(conversation_id, heir);
  return promote.run();
}

Result<model::CursorAdvance> advance_member_cursor(Connection& db, model::Id conversation_id, model::Id user_id,
                                                   const model::CursorMove& move) {
  if (move.seq < 0) return Error::invalid("seq", "must not be negative");
  if (move.change_seq < 0) return Error::invalid("changeSeq", "must not be negative");
  TL_TRY_ASSIGN(model::Member member, find_member(db, conversation_id, user_id));
  TL_TRY_ASSIGN(Statement ends, db.prepare("SELECT last_seq, last_change_seq FROM conversations WHERE id = ?"));
  ends.bind_all(conversation_id);
  TL_TRY_ASSIGN(bool found, ends.step());
  if (!found) return Error::not_found("conversation not found");
  if (move.seq > ends.int64(0)) return Error::invalid("seq", "is past the last message of the conversation");
  if (move.change_seq > ends.int64(1)) {
    return Error::invalid("changeSeq", "is past the last change of the conversation");
  }
  model::Seq read = member.read_seq;
  if (move.kind == model::CursorKind::read) read = std::max(read, move.seq);
  model::Seq delivered = std::max({member.delivered_seq, move.seq, read});
  const bool seq_moved = delivered != member.delivered_seq || read != member.read_seq;
  if (!seq_moved && move.change_seq <= member.delivered_change_seq) return model::CursorAdvance{member, false, {}};
  // The change cursor never goes back: the message at the new delivered_seq may be older
  // than changes the client already said it has. Its change_seq is looked up inside the
  // cursor's own UPDATE rather than by a statement of its own.
  TL_TRY_ASSIGN(Statement update,
                db.prepare("UPDATE members SET delivered_seq = ?1, read_seq = ?2, delivered_change_seq = max("
                           "delivered_change_seq, ?5, coalesce("
                           "(SELECT change_seq FROM messages WHERE conversation_id = ?3 AND seq = ?1), 0))"
                           " WHERE conversation_id = ?3 AND user_id = ?4 RETURNING delivered_change_seq"));
  update.bind_all(delivered, read, conversation_id, user_id, move.change_seq);
  TL_TRY_ASSIGN(bool updated, update.step());
  if (!updated) return Error::not_found("member not found");
  member.delivered_seq = delivered;
  member.read_seq = read;
  member.delivered_change_seq = update.int64(0);
  return model::CursorAdvance{member, seq_moved, {}};
}

Result<std::vector<model::Id>> member_user_ids(Connection& db, model::Id conversation_id) {
  TL_TRY_ASSIGN(Statement members, db.prepare("SELECT user_id FROM members WHERE conversation_id = ?"));
  members.bind_all(conversation_id);
  std::vector<model::Id> ids;
  for (;;) {
    TL_TRY_ASSIGN(bool has_row, members.step());
    if (!has_row) return ids;
    ids.push_back(members.int64(0));
  }
}

}  // namespace talkline::store::sqlite
