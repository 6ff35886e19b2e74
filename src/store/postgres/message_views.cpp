#include "store/postgres/message_views.hpp"

#include <algorithm>
#include <map>
#include <string_view>
#include <utility>

#include "store/message_keys.hpp"
#include "store/postgres/array_literal.hpp"
#include "store/postgres/params.hpp"
#include "store/postgres/reaction_queries.hpp"
#include "store/postgres/rows.hpp"
#include "store/postgres/upload_queries.hpp"

namespace talkline::store::postgres {

namespace {

std::string names_literal(const std::vector<std::string>& names) {
  return text_array_literal(std::vector<std::string_view>(names.begin(), names.end()));
}

Result<void> attach_mentions(Executor& db, const std::vector<model::Message*>& messages) {
  for (auto* message : messages) message->mentions.clear();
  const MessagesByKey keyed(messages);
  if (keyed.empty()) return ok_result();
  TL_TRY_ASSIGN(Rows rows, db.query("SELECT DISTINCT mm.conversation_id, mm.seq, mm.user_id"
                                    " FROM unnest($1::bigint[], $2::bigint[]) AS wanted (conversation_id, seq)"
                                    " JOIN message_mentions mm"
                                    " ON mm.conversation_id = wanted.conversation_id AND mm.seq = wanted.seq"
                                    " ORDER BY mm.conversation_id, mm.seq, mm.user_id",
                                    Params::of(keyed.conversation_ids(), keyed.seqs())));
  assign_mentions(rows, messages);
  return ok_result();
}

}  // namespace

Result<std::vector<model::Id>> resolve_mentions(Executor& db, model::Id conversation_id, model::Seq seq,
                                                const std::vector<std::string>& usernames) {
  TL_TRY(db.query("DELETE FROM message_mentions WHERE conversation_id = $1 AND seq = $2",
                  Params::of(conversation_id, seq)));
  std::vector<model::Id> ids;
  if (usernames.empty()) return ids;
  TL_TRY_ASSIGN(Rows rows, db.query("INSERT INTO message_mentions (conversation_id, seq, user_id)"
                                    " SELECT mb.conversation_id, $2, mb.user_id FROM users u"
                                    " JOIN members mb ON mb.user_id = u.id AND mb.conversation_id = $1"
                                    " WHERE u.username = ANY($3::text[])"
                                    " RETURNING user_id",
                                    Params::of(conversation_id, seq, names_literal(usernames))));
  for (int row = 0; row < rows.size(); ++row) ids.push_back(rows.int64(row, 0));
  std::sort(ids.begin(), ids.end());
  return ids;
}

// Joined by the offered id, so only rows this transaction inserted qualify, and to the
// members as this transaction sees them, after the send's row locks.
std::optional<Request> mention_insert_request(const std::vector<const model::NewMessage*>& messages) {
  std::vector<std::optional<std::int64_t>> ids;
  std::vector<std::string_view> names;
  for (const model::NewMessage* message : messages) {
    for (const std::string& name : message->mention_names) {
      ids.emplace_back(message->id);
      names.emplace_back(name);
    }
  }
  if (ids.empty()) return std::nullopt;
  return Request{
      "INSERT INTO message_mentions (conversation_id, seq, user_id)"
      " SELECT m.conversation_id, m.seq, mb.user_id"
      " FROM unnest($1::bigint[], $2::text[]) AS wanted (message_id, username)"
      " JOIN messages m ON m.id = wanted.message_id"
      " JOIN users u ON u.username = wanted.username"
      " JOIN members mb ON mb.conversation_id = m.conversation_id AND mb.user_id = u.id"
      " ON CONFLICT DO NOTHING RETURNING conversation_id, seq, user_id",
      Params::of(bigint_array_literal(ids), text_array_literal(names))};
}

void assign_mentions(const Rows& rows, const std::vector<model::Message*>& messages) {
  const MessagesByKey keyed(messages);
  for (int row = 0; row < rows.size(); ++row) {
    for (auto* message : keyed.at(rows.int64(row, 0), rows.int64(row, 1))) message->mentions.push_back(rows.int64(row, 2));
  }
  for (auto* message : messages) std::sort(message->mentions.begin(), message->mentions.end());
}

Result<model::Seq> count_mentions(Executor& db, model::Id conversation_id, model::Id user_id, model::Seq after_seq) {
  TL_TRY_ASSIGN(Rows rows, db.query("SELECT count(*) FROM message_mentions"
                                    " WHERE conversation_id = $1 AND user_id = $2 AND seq > $3",
                                    Params::of(conversation_id, user_id, after_seq)));
  return rows.int64(0, 0);
}

std::optional<Request> reply_preview_request(const std::vector<model::Id>& targets) {
  if (targets.empty()) return std::nullopt;
  return Request{
      "SELECT id, seq, sender_id, CASE WHEN deleted_at IS NULL THEN body ELSE '' END,"
      " deleted_at IS NOT NULL FROM messages WHERE id = ANY($1::bigint[])",
      Params::of(std::vector<std::int64_t>(targets.begin(), targets.end()))};
}

Result<void> attach_reply_previews(Executor& db, const std::vector<model::Message*>& messages) {
  std::vector<model::Id> targets;
  for (auto* message : messages) {
    message->reply_preview.reset();
    if (message->reply_to && !message->deleted_at) targets.push_back(*message->reply_to);
  }
  const std::optional<Request> request = reply_preview_request(targets);
  if (!request) return ok_result();
  TL_TRY_ASSIGN(Rows rows, db.query(request->sql, request->params));
  assign_reply_previews(rows, messages);
  return ok_result();
}

void assign_reply_previews(const Rows& rows, const std::vector<model::Message*>& messages) {
  std::map<model::Id, model::ReplyPreview> previews;
  for (int row = 0; row < rows.size(); ++row) {
    model::ReplyPreview preview;
    preview.id = rows.int64(row, 0);
    preview.seq = rows.int64(row, 1);
    preview.sender_id = rows.int64(row, 2);
    preview.body = rows.text(row, 3);
    preview.deleted = rows.text(row, 4) == "t";
    previews.emplace(preview.id, std::move(preview));
  }
  place_reply_previews(messages, previews);
}

Result<void> attach_views(Executor& db, const std::vector<model::Message*>& messages) {
  if (messages.empty()) return ok_result();
  TL_TRY(attach_reactions(db, messages));
  TL_TRY(attach_attachments(db, messages));
  TL_TRY(attach_mentions(db, messages));
  return attach_reply_previews(db, messages);
}

Result<void> attach_views(Executor& db, std::vector<model::Message>& messages) {
  return attach_views_within(db, messages, [](model::Message& message) -> model::Message& { return message; });
}

}  // namespace talkline::store::postgres
