#include "store/sqlite/message_views.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include "store/message_keys.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/reaction_queries.hpp"
#include "store/sqlite/upload_queries.hpp"
#include "util/json.hpp"

namespace talkline::store::sqlite {

namespace {

// A JSON array for json_each(). The names are escaped although the mention parser hands
// over [a-z0-9_.] only: the store takes any caller's names, and one holding a quote would
// otherwise fail the send or smuggle in a second name.
std::string json_list(const std::vector<std::string>& names) {
  std::string list = "[";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) list += ',';
    util::append_json_string(list, names[i]);
  }
  return list + ']';
}

Result<void> attach_mentions(Connection& db, const std::vector<model::Message*>& messages) {
  for (auto* message : messages) message->mentions.clear();
  const MessagesByKey keyed(messages);
  for (const auto& [conversation_id, range] : keyed.ranges()) {
    TL_TRY_ASSIGN(Statement query, db.prepare("SELECT seq, user_id FROM message_mentions"
                                              " WHERE conversation_id = ? AND seq BETWEEN ? AND ?"
                                              " ORDER BY seq, user_id"));
    query.bind_all(conversation_id, range.low, range.high);
    for (;;) {
      TL_TRY_ASSIGN(bool has_row, query.step());
      if (!has_row) break;
      for (auto* message : keyed.at(conversation_id, query.int64(0))) message->mentions.push_back(query.int64(1));
    }
  }
  return ok_result();
}

}  // namespace

Result<std::vector<model::Id>> resolve_mentions(Connection& db, model::Id conversation_id, model::Seq seq,
                                                const std::vector<std::string>& usernames) {
  TL_TRY_ASSIGN(Statement clear, db.prepare("DELETE FROM message_mentions WHERE conversation_id = ? AND seq = ?"));
  clear.bind_all(conversation_id, seq);
  TL_TRY(clear.run());
  return insert_mentions(db, conversation_id, seq, usernames);
}

Result<std::vector<model::Id>> insert_mentions(Connection& db, model::Id conversation_id, model::Seq seq,
                                               const std::vector<std::string>& usernames) {
  std::vector<model::Id> ids;
  if (usernames.empty()) return ids;
  TL_TRY_ASSIGN(Statement insert, db.prepare("INSERT INTO message_mentions (conversation_id, seq, user_id)"
                                             " SELECT mb.conversation_id, ?, mb.user_id FROM users u"
                                             " JOIN members mb ON mb.user_id = u.id AND mb.conversation_id = ?"
                                             " WHERE u.username IN (SELECT value FROM json_each(?))"
                                             " RETURNING user_id"));
  insert.bind_all(seq, conversation_id, json_list(usernames));
  for (;;) {
    TL_TRY_ASSIGN(bool has_row, insert.step());
    if (!has_row) break;
    ids.push_back(insert.int64(0));
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

Result<model::Seq> count_mentions(Connection& db, model::Id conversation_id, model::Id user_id, model::Seq after_seq) {
  TL_TRY_ASSIGN(Statement query, db.prepare("SELECT count(*) FROM message_mentions"
                                            " WHERE conversation_id = ? AND user_id = ? AND seq > ?"));
  query.bind_all(conversation_id, user_id, after_seq);
  TL_TRY(query.step());
  return query.int64(0);
}

Result<void> attach_reply_previews(Connection& db, const std::vector<model::Message*>& messages) {
  std::vector<model::Id> targets;
  for (auto* message : messages) {
    message->reply_preview.reset();
    if (message->reply_to && !message->deleted_at) targets.push_back(*message->reply_to);
  }
  if (targets.empty()) return ok_result();
  std::map<model::Id, model::ReplyPreview> previews;
  TL_TRY_ASSIGN(Statement query, db.prepare("SELECT id, seq, sender_id, body, deleted_at IS NOT NULL FROM messages"
                                            " WHERE id IN (SELECT value FROM json_each(?))"));
  query.bind_all(json_id_list(targets));
  for (;;) {
    TL_TRY_ASSIGN(bool has_row, query.step());
    if (!has_row) break;
    model::ReplyPreview preview;
    preview.id = query.int64(0);
    preview.seq = query.int64(1);
    preview.sender_id = query.int64(2);
    preview.deleted = query.int64(4) != 0;
    if (!preview.deleted) preview.body = query.text(3);
    previews.emplace(preview.id, std::move(preview));
  }
  place_reply_previews(messages, previews);
  return ok_result();
}

Result<void> attach_views(Connection& db, const std::vector<model::Message*>& messages) {
  if (messages.empty()) return ok_result();
  TL_TRY(attach_reactions(db, messages));
  TL_TRY(attach_attachments(db, messages));
  TL_TRY(attach_mentions(db, messages));
  return attach_reply_previews(db, messages);
}

Result<void> attach_views(Connection& db, std::vector<model::Message>& messages) {
  return attach_views_within(db, messages, [](model::Message& message) -> model::Message& { return message; });
}

}  // namespace talkline::store::sqlite
