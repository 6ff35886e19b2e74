#include "store/sqlite/message_queries.hpp"

#include <algorithm>
#include <limits>

#include "store/row_mappers.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/conversation_queries.hpp"
#include "store/sqlite/message_views.hpp"
#include "store/sqlite/reaction_queries.hpp"
#include "store/sqlite/upload_queries.hpp"
#include "store/upload_rules.hpp"

namespace talkline::store::sqlite {

namespace {

constexpr auto kNoBound = std::numeric_limits<std::int64_t>::max();

// The rows of `query`, each with its reactions, mentions and reply preview.
Result<std::vector<model::Message>> collect_messages(Connection& db, Statement& query) {
  std::vector<model::Message> messages;
  for (;;) {
    TL_TRY_ASSIGN(bool has_row, query.step());
    if (!has_row) break;
    messages.push_back(read_message(query));
  }
  TL_TRY(attach_views(db, messages));
  return messages;
}

Result<std::optional<model::Message>> find_by_client_id(Connection& db, model::Id sender_id,
                                                        const std::string& client_msg_id) {
  TL_TRY_ASSIGN(
      Statement query,
      db.prepare("SELECT id, conversation_id, seq, sender_id, client_msg_id, body, reply_to, created_at, edited_at,"
                 " change_seq, deleted_at"
                 " FROM messages WHERE sender_id = ? AND client_msg_id = ?"));
  query.bind_all(sender_id, client_msg_id);
  TL_TRY_ASSIGN(bool found, query.step());
  if (!found) return std::optional<model::Message>();
  return std::optional<model::Message>(read_message(query));
}

Result<bool> exists(Connection& db, std::string_view sql, model::Id first, model::Id second) {
  TL_TRY_ASSIGN(Statement query, db.prepare(sql));
  query.bind_all(first, second);
  return query.step();
}

struct MessageNumbers {
  model::Seq seq = 0;
  model::Seq change_seq = 0;
};

// Takes the next seq and the next change_seq of the conversation and records the
// activity time; the row's write lock (held by the writer transaction) is what makes
// both numberings gap-free.
Result<MessageNumbers> take_next_numbers(Connection& db, model::Id conversation_id, model::Millis at) {
  TL_TRY_ASSIGN(Statement update,
                db.prepare("UPDATE conversations SET last_seq = last_seq + 1, last_change_seq = last_change_seq + 1,"
                           " last_activity_at = ? WHERE id = ? RETURNING last_seq, last_change_seq"));
  update.bind_all(at, conversation_id);
  TL_TRY_ASSIGN(bool updated, update.step());
  if (!updated) return Error::not_found("conversation not found");
  return MessageNumbers{update.int64(0), update.int64(1)};
}

}  // namespace

std::string fts_match_expression(const std::vector<std::string>& terms,
                                 const std::vector<model::Id>& conversation_ids) {
  std::string expression = "body : (";
  for (std::size_t i = 0; i < terms.size(); ++i) {
    if (i > 0) expression += ' ';
    expression += '"';
    for (char c : terms[i]) {
      if (c == '"') expression += '"';
      expression += c;
    }
    expression += '"';
  }
  expression += ')';
  if (!conversation_ids.empty()) {
    expression += " AND scope : (";
    for (std::size_t i = 0; i < conversation_ids.size(); ++i) {
      if (i > 0) expression += " OR ";
      expression += "\"c" + std::to_string(conversation_ids[i]) + '"';
    }
    expression += ')';
  }
  return expression;
}

Result<model::Message> find_message_by_seq(Connection& db, model::Id conversation_id, model::Seq seq) {
  TL_TRY_ASSIGN(
      Statement query,
      db.prepare("SELECT id, conversation_id, seq, sender_id, client_msg_id, body, reply_to, created_at, edited_at,"
                 " change_seq, deleted_at"
                 " FROM messages WHERE conversation_id = ? AND seq = ?"));
  query.bind_all(conversation_id, seq);
  TL_TRY_ASSIGN(bool found, query.step());
  if (!found) return Error::not_found("message not found");
  return read_message(query);
}

// The order of the checks is part of the contract: a retry is recognised before anything
// else (so a sender who has since left still gets their original answer), then membership,
// then the reply target, then the attachments; only then is a seq taken.
Result<model::SendOutcome> insert_message(Connection& db, const model::NewMessage& message) {
  TL_TRY_ASSIGN(std::optional<model::Message> earlier, find_by_client_id(db, message.sender_id, message.client_msg_id));
  if (earlier) {
    TL_TRY(attach_views(db, std::vector<model::Message*>{&*earlier}));
    // An edit or delete has since replaced the body that was sent, so only an unchanged
    // body can tell a retry from a reuse of the client id for other words.
    bool body_differs = !earlier->edited_at && !earlier->deleted_at && earlier->body != message.body;
    if (earlier->conversation_id != message.conversation_id || body_differs || earlier->reply_to != message.reply_to ||
        !same_attachments(*earlier, message.attachment_ids)) {
      return Error::conflict("clientMsgId was already used for a different message");
    }
    return model::SendOutcome{std::move(*earlier), false, {}};
  }
  // Read in the commit, so the announcement goes to exactly the members this message
  // was committed among, whatever membership changes are queued behind it; it also
  // tells whether the sender is one of them, without a statement of its own.
  TL_TRY_ASSIGN(std::vector<model::Id> member_ids, member_user_ids(db, message.conversation_id));
  if (std::find(member_ids.begin(), member_ids.end(), message.sender_id) == member_ids.end()) {
    return Error::not_found("conversation not found");
  }
  if (message.reply_to) {
    TL_TRY_ASSIGN(bool in_conversation, exists(db, "SELECT 1 FROM messages WHERE id = ? AND conversation_id = ?",
                                               *message.reply_to, message.conversation_id));
    if (!in_conversation) return Error::invalid("replyTo", "is not a message of this conversation");
  }
  if (!message.attachment_ids.empty()) TL_TRY(check_attachments(db, message));
  TL_TRY_ASSIGN(MessageNumbers numbers, take_next_numbers(db, message.conversation_id, message.created_at));
  {
    TL_TRY_ASSIGN(Statement insert,
                  db.prepare("INSERT INTO messages (conversation_id, seq, id, sender_id, client_msg_id, body, reply_to,"
                             " created_at, change_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    insert.bind_all(message.conversation_id, numbers.seq, message.id, message.sender_id, message.client_msg_id,
                    message.body, message.reply_to, message.created_at, numbers.change_seq);
    TL_TRY(insert.run());
  }
  {
    // The sender has obviously seen what they sent.
    TL_TRY_ASSIGN(Statement cursors,
                  db.prepare("UPDATE members SET delivered_seq = ?, read_seq = ?, delivered_change_seq = ?"
                             " WHERE conversation_id = ? AND user_id = ?"));
    cursors.bind_all(numbers.seq, numbers.seq, numbers.change_seq, message.conversation_id, message.sender_id);
    TL_TRY(cursors.run());
  }
  if (!message.attachment_ids.empty()) TL_TRY(link_attachments(db, message, numbers.seq));
  model::Message stored;
  stored.id = message.id;
  stored.conversation_id = message.conversation_id;
  stored.seq = numbers.seq;
  stored.change_seq = numbers.change_seq;
  stored.sender_id = message.sender_id;
  stored.client_msg_id = message.client_msg_id;
  stored.body = message.body;
  stored.reply_to = message.reply_to;
  stored.created_at = message.created_at;
  if (!message.attachment_ids.empty()) TL_TRY(attach_attachments(db, std::vector<model::Message*>{&stored}));
  // A send that names nobody and answers nothing pays no statement for either.
  if (!message.mention_names.empty()) {
    TL_TRY_ASSIGN(stored.mentions, insert_mentions(db, message.conversation_id, numbers.seq, message.mention_names));
  }
  if (stored.reply_to) TL_TRY(attach_reply_previews(db, std::vector<model::Message*>{&stored}));
  return model::SendOutcome{std::move(stored), true, std::move(member_ids)};
}

// Once per write transaction (the writer's pre-commit step): one FTS5 segment for all
// the messages the transaction added, instead of one per message (see migration 0002).
Result<void> index_pending_messages(Connection& db) {
  {
    TL_TRY_ASSIGN(Statement index, db.prepare("INSERT INTO messages_fts (rowid, body, scope)"
                                              " SELECT m.id, m.body, 'c' || m.conversation_id"
                                              // CROSS JOIN keeps the pending list as the outer loop: each
                                              // noted id is then one index probe, never a scan of messages.
                                              " FROM messages_fts_pending p CROSS JOIN messages m ON m.id = p.id"));
    TL_TRY(index.run());
  }
  TL_TRY_ASSIGN(Statement clear, db.prepare("DELETE FROM messages_fts_pending"));
  return clear.run();
}

// With `after`, the window starts just past it and reads forward; otherwise it ends just
// before `before` (or at the newest message) and is read backwards, then put in seq order.
Result<std::vector<model::Message>> list_messages(Connection& db, model::Id conversation_id,
                                                  std::optional<model::Seq> before, std::optional<model::Seq> after,
                                                  int limit) {
  if (limit <= 0) return Error::invalid("limit", "must be positive");
  if (after) {
    TL_TRY_ASSIGN(
        Statement query,
        db.prepare("SELECT id, conversation_id, seq, sender_id, client_msg_id, body, reply_to, created_at, edited_at,"
                   " change_seq, deleted_at"
                   " FROM messages WHERE conversation_id = ? AND seq > ? AND seq < ? ORDER BY seq LIMIT ?"));
    query.bind_all(conversation_id, *after, before.value_or(kNoBound), std::int64_t{limit});
    return collect_messages(db, query);
  }
  TL_TRY_ASSIGN(
      Statement query,
      db.prepare("SELECT id, conversation_id, seq, sender_id, client_msg_id, body, reply_to, created_at, edited_at,"
                 " change_seq, deleted_at"
                 " FROM messages WHERE conversation_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?"));
  query.bind_all(conversation_id, before.value_or(kNoBound), std::int64_t{limit});
  TL_TRY_ASSIGN(std::vector<model::Message> messages, collect_messages(db, query));
  std::reverse(messages.begin(), messages.end());
  return messages;
}

namespace {

// Past this many conversations the scope list stops paying for itself; the search then
// relies on the membership join alone.
constexpr std::size_t kMaxScopedConversations = 500;

Result<std::vector<model::Id>> conversations_of(Connection& db, model::Id user_id) {
  TL_TRY_ASSIGN(Statement query, db.prepare("SELECT conversation_id FROM members WHERE user_id = ? LIMIT ?"));
  query.bind_all(user_id, static_cast<std::int64_t>(kMaxScopedConversations + 1));
  std::vector<model::Id> ids;
  for (;;) {
    TL_TRY_ASSIGN(bool row, query.step());
    if (!row) break;
    ids.push_back(query.int64(0));
  }
  return ids;
}

}  // namespace

// The word index yields message ids newest first, already narrowed to the caller's
// conversations through the scope column; each hit is still joined to its row and kept
// only if the user is a member, so nothing outside their conversations can surface.
Result<std::vector<model::Message>> search_messages(Connection& db, model::Id user_id,
                                                    const std::vector<std::string>& terms,
                                                    std::optional<model::Id> conversation_id,
                                                    std::optional<model::Id> before_id, int limit) {
  if (terms.empty()) return Error::invalid("terms", "at least one search term is required");
  if (limit <= 0) return Error::invalid("limit", "must be positive");
  std::vector<model::Id> scope;
  if (conversation_id) {
    scope.push_back(*conversation_id);
  } else {
    TL_TRY_ASSIGN(scope, conversations_of(db, user_id));
    if (scope.empty()) return std::vector<model::Message>{};
    if (scope.size() > kMaxScopedConversations) scope.clear();
  }
  TL_TRY_ASSIGN(
      Statement query,
      db.prepare(
          "SELECT m.id, m.conversation_id, m.seq, m.sender_id, m.client_msg_id, m.body, m.reply_to, m.created_at,"
          " m.edited_at, m.change_seq, m.deleted_at"
          " FROM messages_fts"
          " JOIN messages m ON m.id = messages_fts.rowid"
          " JOIN members mb ON mb.conversation_id = m.conversation_id AND mb.user_id = ?"
          " WHERE messages_fts MATCH ? AND messages_fts.rowid < ? AND (? IS NULL OR m.conversation_id = ?)"
          " AND m.deleted_at IS NULL"
          " ORDER BY messages_fts.rowid DESC LIMIT ?"));
  query.bind_all(user_id, fts_match_expression(terms, scope), before_id.value_or(kNoBound), conversation_id,
                 conversation_id, std::int64_t{limit});
  return collect_messages(db, query);
}

}  // namespace talkline::store::sqlite
