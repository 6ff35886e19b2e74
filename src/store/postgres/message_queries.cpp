#include "store/postgres/message_queries.hpp"

#include <algorithm>
#include <limits>

#include "store/postgres/executor.hpp"
#include "store/postgres/message_views.hpp"
#include "store/row_mappers.hpp"
#include "store/upload_rules.hpp"

namespace talkline::store::postgres {

namespace {

constexpr auto kNoBound = std::numeric_limits<std::int64_t>::max();

std::vector<model::Message> all_messages(const Rows& rows) {
  std::vector<model::Message> messages;
  for (int row = 0; row < rows.size(); ++row) messages.push_back(read_message(rows.at(row)));
  return messages;
}

}  // namespace

std::string tsquery_expression(std::size_t term_count, int first) {
  std::string expression;
  for (std::size_t i = 0; i < term_count; ++i) {
    if (i > 0) expression += " && ";
    expression += "phraseto_tsquery('talkline_words', $" + std::to_string(first + static_cast<int>(i)) + "::text)";
  }
  return expression;
}

Request append_request(const model::NewMessage& message) {
  return Request{
      "SELECT * FROM tl_message_append($1::bigint, $2::bigint, $3::bigint, $4::text, $5::text,"
      " $6::bigint, $7::bigint)",
      Params::of(message.conversation_id, message.id, message.sender_id, message.client_msg_id, message.body,
                 message.reply_to, message.created_at)};
}

Result<model::SendOutcome> append_outcome(const Rows& rows, int row) {
  if (row >= rows.size()) return Error::internal("tl_message_append returned no row");
  const std::string outcome = rows.text(row, 0);
  if (outcome == "created" || outcome == "retry") {
    return model::SendOutcome{read_message(rows.at(row), 1), outcome == "created", {}};
  }
  if (outcome == "conflict") return Error::conflict("clientMsgId was already used for a different message");
  if (outcome == "not_member") return Error::not_found("conversation not found");
  if (outcome == "bad_reply") return Error::invalid("replyTo", "is not a message of this conversation");
  return Error::internal("tl_message_append returned " + outcome);
}

Result<model::SendOutcome> insert_message(Executor& db, const model::NewMessage& message) {
  const Request request = append_request(message);
  TL_TRY_ASSIGN(Rows rows, db.query(request.sql, request.params));
  TL_TRY_ASSIGN(model::SendOutcome outcome, append_outcome(rows));
  if (!outcome.created) {
    TL_TRY(attach_views(db, std::vector<model::Message*>{&outcome.message}));
    if (!same_attachments(outcome.message, message.attachment_ids)) {
      return Error::conflict("clientMsgId was already used for a different message");
    }
    return outcome;
  }
  if (auto mentions = mention_insert_request({&message})) {
    TL_TRY_ASSIGN(Rows mentioned, db.query(mentions->sql, mentions->params));
    assign_mentions(mentioned, {&outcome.message});
  }
  TL_TRY(attach_reply_previews(db, std::vector<model::Message*>{&outcome.message}));
  return outcome;
}

// With `after`, the window starts just past it and reads forward; otherwise it ends just
// before `before` (or at the newest message) and is read backwards, then put in seq order.
Result<std::vector<model::Message>> list_messages(Executor& db, model::Id conversation_id,
                                                  std::optional<model::Seq> before, std::optional<model::Seq> after,
                                                  int limit) {
  if (limit <= 0) return Error::invalid("limit", "must be positive");
  const std::string select = std::string("SELECT ") + kMessageColumns + " FROM messages m";
  if (after) {
    TL_TRY_ASSIGN(
        Rows rows,
        db.query(select + " WHERE m.conversation_id = $1 AND m.seq > $2 AND m.seq < $3 ORDER BY m.seq LIMIT $4",
                 Params::of(conversation_id, *after, before.value_or(kNoBound), limit)));
    std::vector<model::Message> messages = all_messages(rows);
    TL_TRY(attach_views(db, messages));
    return messages;
  }
  TL_TRY_ASSIGN(Rows rows,
                db.query(select + " WHERE m.conversation_id = $1 AND m.seq < $2 ORDER BY m.seq DESC LIMIT $3",
                         Params::of(conversation_id, before.value_or(kNoBound), limit)));
  std::vector<model::Message> messages = all_messages(rows);
  std::reverse(messages.begin(), messages.end());
  TL_TRY(attach_views(db, messages));
  return messages;
}

// The caller's conversations come from their membership rows inside the statement, so
// nothing outside them can surface; the word index leads with conversation_id, so it
// narrows to those conversations itself. Newest first by id, as the API pages.
Result<std::vector<model::Message>> search_messages(Executor& db, model::Id user_id,
                                                    const std::vector<std::string>& terms,
                                                    std::optional<model::Id> conversation_id,
                                                    std::optional<model::Id> before_id, int limit) {
  if (terms.empty()) return Error::invalid("terms", "at least one search term is required");
  if (limit <= 0) return Error::invalid("limit", "must be positive");
  Params params = Params::of(user_id, conversation_id, before_id.value_or(kNoBound), limit);
  for (const std::string& term : terms) params.add(term);
  TL_TRY_ASSIGN(Rows rows, db.query(std::string("SELECT ") + kMessageColumns +
                                        " FROM messages m"
                                        " WHERE m.conversation_id IN (SELECT conversation_id FROM members"
                                        "   WHERE user_id = $1 AND ($2::bigint IS NULL OR conversation_id = $2))"
                                        " AND m.words @@ (" +
                                        tsquery_expression(terms.size(), 5) +
                                        ") AND m.id < $3 AND m.deleted_at IS NULL"
                                        " ORDER BY m.id DESC LIMIT $4",
                                    params));
  std::vector<model::Message> messages = all_messages(rows);
  TL_TRY(attach_views(db, messages));
  return messages;
}

}  // namespace talkline::store::postgres
