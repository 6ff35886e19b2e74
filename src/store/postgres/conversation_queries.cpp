#include "store/postgres/conversation_queries.hpp"
#include "store/postgres/message_views.hpp"

#include <algorithm>
#include <limits>
#include <map>

#include "store/postgres/executor.hpp"
#include "store/postgres/user_queries.hpp"
#include "store/row_mappers.hpp"

namespace talkline::store::postgres {

namespace {

// A conversation row joined with its member rows: the conversation's columns repeat on
// every row, and a conversation without members yields one row with NULL member columns.
const std::string kConversationWithMembers = std::string("SELECT ") + kConversationColumns + ", " + kMemberColumns +
                                             " FROM %s c LEFT JOIN members mb ON mb.conversation_id = c.id";

std::string with_members(const std::string& source, const std::string& where) {
  std::string sql = kConversationWithMembers;
  sql.replace(sql.find("%s"), 2, source);
  return sql + where + " ORDER BY mb.joined_at, mb.user_id";
}

Result<model::Conversation> conversation_with_members(const Rows& rows) {
  if (rows.empty()) return Error::not_found("conversation not found");
  model::Conversation conversation = read_conversation(rows.at(0));
  for (int row = 0; row < rows.size(); ++row) {
    if (!rows.is_null(row, kConversationColumnCount)) {
      conversation.members.push_back(read_member(rows.at(row), kConversationColumnCount));
    }
  }
  return conversation;
}

Result<void> insert_conversation(Executor& db, model::Id id, model::ConversationKind kind, const std::string& title,
                                 model::Id created_by, model::Millis created_at) {
  TL_TRY(
      db.query("INSERT INTO conversations (id, kind, title, created_by, created_at, last_seq, last_activity_at)"
               " VALUES ($1, $2, $3, $4, $5, 0, $5)",
               Params::of(id, model::conversation_kind_name(kind), title, created_by, created_at)));
  return ok_result();
}

// Where a newcomer's cursors start: the conversation's last message, so the history they
// can now page through is not counted as unread.
struct CursorStart {
  model::Seq seq = 0;
  model::Seq change_seq = 0;  // of the message at seq
};

// Joins users with both cursors at `from`; users who are members already are left as
// they are.
Result<void> insert_members(Executor& db, model::Id conversation_id, const std::vector<model::Id>& user_ids,
                            model::MemberRole role, model::Millis joined_at, CursorStart from) {
  if (user_ids.empty()) return ok_result();
  TL_TRY(db.query(
      "INSERT INTO members (conversation_id, user_id, role, joined_at, delivered_seq, read_seq, delivered_change_seq)"
      " SELECT $1, u, $2, $3, $4, $4, $5 FROM unnest($6::bigint[]) AS u"
      " ON CONFLICT (conversation_id, user_id) DO NOTHING",
      Params::of(conversation_id, model::member_role_name(role), joined_at, from.seq, from.change_seq, user_ids)));
  return ok_result();
}

std::string direct_key(model::Id a, model::Id b) {
  return std::to_string(std::min(a, b)) + ":" + std::to_string(std::max(a, b));
}

}  // namespace

Result<model::Conversation> load_conversation(Executor& db, model::Id conversation_id) {
  TL_TRY_ASSIGN(Rows rows, db.query(with_members("conversations", " WHERE c.id = $1"), Params::of(conversation_id)));
  return conversation_with_members(rows);
}

// Two creators of the same pair can race here: the loser's insert finds the winner's
// direct_key (ON CONFLICT waits for the winner's commit) and then reads its conversation.
Result<Store::DirectOutcome> create_direct_conversation(Executor& db, const model::NewDirectConversation& c) {
  TL_TRY(require_users(db, {c.user_a, c.user_b}));
  std::string key = direct_key(c.user_a, c.user_b);
  TL_TRY_ASSIGN(Rows inserted,
                db.query("INSERT INTO conversations (id, kind, title, direct_key, created_by, created_at, last_seq,"
                         " last_activity_at) VALUES ($1, 'direct', '', $2, $3, $4, 0, $4)"
                         " ON CONFLICT (direct_key) DO NOTHING RETURNING id",
                         Params::of(c.id, key, c.user_a, c.created_at)));
  if (inserted.empty()) {
    TL_TRY_ASSIGN(Rows existing, db.query("SELECT id FROM conversations WHERE direct_key = $1", Params::of(key)));
    if (existing.empty()) return Error::unavailable("direct conversation vanished while being created");
    TL_TRY_ASSIGN(model::Conversation conversation, load_conversation(db, existing.int64(0, 0)));
    return Store::DirectOutcome{std::move(conversation), false};
  }
  TL_TRY(insert_members(db, c.id, {c.user_a, c.user_b}, model::MemberRole::member, c.created_at, {}));
  TL_TRY_ASSIGN(model::Conversation conversation, load_conversation(db, c.id));
  return Store::DirectOutcome{std::move(conversation), true};
}

Result<model::Conversation> create_group_conversation(Executor& db, const model::NewGroupConversation& c) {
  TL_TRY(require_users(db, {c.created_by}));
  TL_TRY(require_users(db, c.member_ids));
  TL_TRY(insert_conversation(db, c.id, model::ConversationKind::group, c.title, c.created_by, c.created_at));
  // The owner goes first: inserting members skips existing ones, so a creator repeated in
  // member_ids stays owner.
  TL_TRY(insert_members(db, c.id, {c.created_by}, model::MemberRole::owner, c.created_at, {}));
  TL_TRY(insert_members(db, c.id, c.member_ids, model::MemberRole::member, c.created_at, {}));
  return load_conversation(db, c.id);
}

// Pages through the user's conversations by (last_activity_at, id), newest first, then
// fetches the members and last messages of the whole page with one statement each.
Result<std::vector<model::ConversationSummary>> list_conversations_for_user(Executor& db, model::Id user_id,
                                                                            const std::optional<ActivityCursor>& after,
                                                                            int limit) {
  if (limit <= 0) return Error::invalid("limit", "must be positive");
  constexpr auto kEnd = std::numeric_limits<std::int64_t>::max();
  TL_TRY_ASSIGN(Rows page,
                db.query(std::string("SELECT ") + kConversationColumns +
                             ", mb.read_seq,"
                             " (SELECT count(*) FROM message_mentions mm WHERE mm.conversation_id = mb.conversation_id"
                             "  AND mm.user_id = mb.user_id AND mm.seq > mb.read_seq)"
                             " FROM members mb JOIN conversations c ON c.id = mb.conversation_id"
                             " WHERE mb.user_id = $1 AND (c.last_activity_at, c.id) < ($2, $3)"
                             " ORDER BY c.last_activity_at DESC, c.id DESC LIMIT $4",
                         Params::of(user_id, after ? after->last_activity_at : kEnd,
                                    after ? after->conversation_id : kEnd, limit)));
  std::vector<model::ConversationSummary> summaries;
  std::vector<model::Id> ids;
  std::map<model::Id, std::size_t> index;
  for (int row = 0; row < page.size(); ++row) {
    model::ConversationSummary summary;
    summary.conversation = read_conversation(page.at(row));
    summary.unread_count =
        std::max<model::Seq>(0, summary.conversation.last_seq - page.int64(row, kConversationColumnCount));
    summary.mention_count = page.int64(row, kConversationColumnCount + 1);
    ids.push_back(summary.conversation.id);
    index[summary.conversation.id] = summaries.size();
    summaries.push_back(std::move(summary));
  }
  if (ids.empty()) return summaries;
  TL_TRY_ASSIGN(Rows members, db.query(std::string("SELECT ") + kMemberColumns +
                                           " FROM members mb WHERE mb.conversation_id = ANY($1::bigint[])"
                                           " ORDER BY mb.conversation_id, mb.joined_at, mb.user_id",
                                       Params::of(ids)));
  for (int row = 0; row < members.size(); ++row) {
    model::Member member = read_member(members.at(row));
    summaries[index.at(member.conversation_id)].conversation.members.push_back(member);
  }
  TL_TRY_ASSIGN(Rows last, db.query(std::string("SELECT ") + kMessageColumns +
                                        " FROM conversations c JOIN messages m"
                                        " ON m.conversation_id = c.id AND m.seq = c.last_seq"
                                        " WHERE c.id = ANY($1::bigint[])",
                                    Params::of(ids)));
  std::vector<model::Message*> last_messages;
  for (int row = 0; row < last.size(); ++row) {
    model::Message message = read_message(last.at(row));
    auto& summary = summaries[index.at(message.conversation_id)];
    summary.last_message = std::move(message);
    last_messages.push_back(&*summary.last_message);
  }
  TL_TRY(attach_views(db, last_messages));
  return summaries;
}

Result<model::Conversation> rename_conversation(Executor& db, model::Id conversation_id, const std::string& title) {
  TL_TRY_ASSIGN(Rows rows, db.query("WITH renamed AS (UPDATE conversations SET title = $2 WHERE id = $1 RETURNING *) " +
                                        with_members("renamed", ""),
                                    Params::of(conversation_id, title)));
  return conversation_with_members(rows);
}

Result<model::Member> find_member(Executor& db, model::Id conversation_id, model::Id user_id) {
  TL_TRY_ASSIGN(Rows rows, db.query(std::string("SELECT ") + kMemberColumns +
                                        " FROM members mb WHERE mb.conversation_id = $1 AND mb.user_id = $2",
                                    Params::of(conversation_id, user_id)));
  if (rows.empty()) return Error::not_found("member not found");
  return read_member(rows.at(0));
}

// The conversation row is locked first, as a send does: concurrent adds to one group
// queue behind each other, so the size check below cannot be overshot. The last message
// is read in a statement of its own, after the lock: a locking read that waited for a
// send re-reads the locked row but not the rows joined to it, so a join would miss the
// message that send committed.
Result<model::Conversation> add_members(Executor& db, model::Id conversation_id, const std::vector<model::Id>& user_ids,
                                        model::Millis now, int max_members) {
  TL_TRY_ASSIGN(Rows locked,
                db.query("SELECT last_seq FROM conversations WHERE id = $1 FOR UPDATE", Params::of(conversation_id)));
  if (locked.empty()) return Error::not_found("conversation not found");
  const model::Seq last_seq = locked.int64(0, 0);
  TL_TRY_ASSIGN(Rows last, db.query("SELECT change_seq FROM messages WHERE conversation_id = $1 AND seq = $2",
                                    Params::of(conversation_id, last_seq)));
  TL_TRY(require_users(db, user_ids));
  const CursorStart from{last_seq, last.empty() ? 0 : last.int64(0, 0)};
  TL_TRY(insert_members(db, conversation_id, user_ids, model::MemberRole::member, now, from));
  // Counted after inserting, inside the same transaction: a too-big group rolls back.
  TL_TRY_ASSIGN(Rows count,
                db.query("SELECT count(*) FROM members WHERE conversation_id = $1", Params::of(conversation_id)));
  if (count.int64(0, 0) > max_members) {
    return Error::invalid("userIds", "a group holds at most " + std::to_string(max_members) + " members");
  }
  return load_conversation(db, conversation_id);
}

Result<model::Conversation> set_member_role(Executor& db, model::Id conversation_id, model::Id user_id,
                                            model::MemberRole role) {
  // Locked like remove_member, and the owner checked in the write itself: an owner handed
  // on by a concurrent leave must not be demoted by a check made before it.
  TL_TRY(db.query("SELECT 1 FROM conversations WHERE id = $1 FOR UPDATE", Params::of(conversation_id)));
  TL_TRY_ASSIGN(Rows updated, db.query("UPDATE members SET role = $3 WHERE conversation_id = $1 AND user_id = $2"
                                       " AND role <> 'owner' RETURNING user_id",
                                       Params::of(conversation_id, user_id, model::member_role_name(role))));
  if (updated.empty()) {
    TL_TRY(find_member(db, conversation_id, user_id));
    return Error::forbidden("the owner's role cannot change");
  }
  return load_conversation(db, conversation_id);
}

Result<void> remove_member(Executor& db, model::Id conversation_id, model::Id user_id) {
  TL_TRY(db.query("SELECT 1 FROM conversations WHERE id = $1 FOR UPDATE", Params::of(conversation_id)));
  TL_TRY_ASSIGN(Rows removed, db.query("DELETE FROM members WHERE conversation_id = $1 AND user_id = $2 RETURNING role",
                                       Params::of(conversation_id, user_id)));
  if (removed.empty()) return Error::not_found("member not found");
  if (removed.text(0, 0) != model::member_role_name(model::MemberRole::owner)) return ok_result();
  // The longest-standing remaining member inherits the group.
  TL_TRY(
      db.query("UPDATE members SET role = 'owner' WHERE conversation_id = $1 AND user_id ="
               " (SELECT user_id FROM members WHERE conversation_id = $1 ORDER BY joined_at, user_id LIMIT 1)",
               Params::of(conversation_id)));
  return ok_result();
}

namespace {

// The cursors after a move to $3 ($4: whether it is a read): `read` moves only on a read,
// and `delivered` never stays behind `read`. Written against the row being updated, so a
// concurrent update of it (a send by this member) is seen, not overwritten.
const std::string kNewReadSeq = "CASE WHEN $4 THEN GREATEST(mb.read_seq, $3::bigint) ELSE mb.read_seq END";
const std::string kNewDeliveredSeq = "GREATEST(mb.delivered_seq, $3::bigint, " + kNewReadSeq + ")";

// Moves the cursors of member ($1, $2) when there is something to move and both the seq
// and the change ($5, 0 for none) exist. delivered_change_seq is the highest of its value,
// $5 and the change_seq of the message the delivered cursor lands on, read by the same
// statement.
const std::string kAdvanceCursorSql =
    "UPDATE members mb SET read_seq = " + kNewReadSeq + ", delivered_seq = " + kNewDeliveredSeq +
    ", delivered_change_seq = GREATEST(mb.delivered_change_seq, $5::bigint, COALESCE((SELECT m.change_seq FROM"
    " messages m WHERE m.conversation_id = mb.conversation_id AND m.seq = " +
    kNewDeliveredSeq +
    "), 0))"
    " FROM conversations c"
    " WHERE mb.conversation_id = $1 AND mb.user_id = $2 AND c.id = mb.conversation_id AND $3 <= c.last_seq"
    " AND $5 <= c.last_change_seq"
    " AND ($3 > mb.delivered_seq OR ($4 AND $3 > mb.read_seq) OR $5 > mb.delivered_change_seq) RETURNING " +
    std::string(kMemberColumns);

}  // namespace

// One statement moves the cursors; only when it changes nothing does a second read tell
// the caller why (not a member, past the end, or already that far).
Result<model::CursorAdvance> advance_member_cursor(Executor& db, model::Id conversation_id, model::Id user_id,
                                                   const model::CursorMove& move) {
  if (move.seq < 0) return Error::invalid("seq", "must not be negative");
  if (move.change_seq < 0) return Error::invalid("changeSeq", "must not be negative");
  const bool is_read = move.kind == model::CursorKind::read;
  // With a change cursor the statement may move only that, which is nothing to announce;
  // the cursors before it tell. Read outside the UPDATE, a concurrent receipt of the same
  // member can make this say "moved" twice, which only repeats a receipt event.
  std::optional<model::Member> before;
  if (move.change_seq > 0) {
    TL_TRY_ASSIGN(before, find_member(db, conversation_id, user_id));
  }
  TL_TRY_ASSIGN(Rows moved, db.query(kAdvanceCursorSql, Params::of(conversation_id, user_id, move.seq,
                                                                    is_read ? "true" : "false", move.change_seq)));
  if (!moved.empty()) {
    model::Member after = read_member(moved.at(0));
    const bool seq_moved =
        !before || after.delivered_seq != before->delivered_seq || after.read_seq != before->read_seq;
    return model::CursorAdvance{after, seq_moved, {}};
  }
  TL_TRY_ASSIGN(model::Member member, find_member(db, conversation_id, user_id));
  TL_TRY_ASSIGN(Rows last, db.query("SELECT last_seq, last_change_seq FROM conversations WHERE id = $1",
                                    Params::of(conversation_id)));
  if (last.empty()) return Error::not_found("conversation not found");
  if (move.seq > last.int64(0, 0)) return Error::invalid("seq", "is past the last message of the conversation");
  if (move.change_seq > last.int64(0, 1)) {
    return Error::invalid("changeSeq", "is past the last change of the conversation");
  }
  return model::CursorAdvance{member, false, {}};
}

const std::string kMemberUserIdsSql = "SELECT user_id FROM members WHERE conversation_id = $1";

Result<std::vector<model::Id>> member_user_ids(Executor& db, model::Id conversation_id) {
  TL_TRY_ASSIGN(Rows rows, db.query(kMemberUserIdsSql, Params::of(conversation_id)));
  std::vector<model::Id> ids;
  ids.reserve(static_cast<std::size_t>(rows.size()));
  for (int i = 0; i < rows.size(); ++i) ids.push_back(rows.int64(i, 0));
  return ids;
}

}  // namespace talkline::store::postgres
