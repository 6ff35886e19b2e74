#include "store/sqlite/retention_queries.hpp"

#include <cstdint>
#include <string>
#include <utility>

#include "model/retention.hpp"
#include "store/retention_rules.hpp"
#include "store/row_mappers.hpp"
#include "store/sqlite/change_queries.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/conversation_queries.hpp"

namespace talkline::store::sqlite {

namespace {

// model::effective_retention in SQL, with the server's retention as ?1: the
// conversation's own days can shorten it, never lengthen it.
const std::string kKeepMs =
    "(CASE WHEN c.retention_days IS NULL THEN ?1"
    " WHEN ?1 > 0 AND ?1 < c.retention_days * 86400000 THEN ?1"
    " ELSE c.retention_days * 86400000 END)";

}  // namespace

Result<model::Conversation> set_conversation_retention(Connection& db, model::Id conversation_id,
                                                       std::optional<int> days) {
  TL_TRY_ASSIGN(Statement update,
                db.prepare("UPDATE conversations SET retention_days = ?1 WHERE id = ?2 AND retention_days IS NOT ?1"));
  std::optional<std::int64_t> value;
  if (days) value = *days;
  update.bind_all(value, conversation_id);
  TL_TRY(update.run());
  return load_conversation(db, conversation_id);
}

// Only the first message past each conversation's watermark is looked at: the sweep
// goes in seq order, so when that one is not old enough there is nothing to do yet.
Result<std::vector<model::Id>> conversations_due(Connection& db, model::Millis now, model::Millis default_retention,
                                                 model::Id after_id, int limit) {
  if (limit <= 0) return Error::invalid("limit", "must be positive");
  TL_TRY_ASSIGN(Statement query,
                db.prepare("SELECT c.id FROM conversations c"
                           " JOIN messages m ON m.conversation_id = c.id AND m.seq = c.retention_swept_seq + 1"
                           " WHERE c.id > ?3 AND " +
                           kKeepMs + " > 0 AND m.created_at < ?2 - " + kKeepMs + " ORDER BY c.id LIMIT ?4"));
  query.bind_all(default_retention, now, after_id, std::int64_t{limit});
  std::vector<model::Id> ids;
  for (;;) {
    TL_TRY_ASSIGN(bool has_row, query.step());
    if (!has_row) break;
    ids.push_back(query.int64(0));
  }
  return ids;
}

// The writer runs this job alone with the database, so what it reads of the
// conversation (its setting, its watermark) holds until it commits.
Result<model::ExpiryOutcome> expire_messages(Connection& db, const model::ExpiryRequest& request) {
  if (request.limit <= 0) return Error::invalid("limit", "must be positive");
  std::optional<std::int64_t> days;
  model::Seq swept = 0;
  {
    TL_TRY_ASSIGN(Statement query,
                  db.prepare("SELECT retention_days, retention_swept_seq FROM conversations WHERE id = ?"));
    query.bind_all(request.conversation_id);
    TL_TRY_ASSIGN(bool found, query.step());
    if (!found) return Error::not_found("conversation not found");
    days = query.optional_int64(0);
    swept = query.int64(1);
  }
  model::ExpiryOutcome outcome;
  const model::Millis keep = model::effective_retention(
      days ? std::optional<int>(static_cast<int>(*days)) : std::nullopt, request.default_retention);
  if (keep <= 0) return outcome;
  std::vector<model::Message> candidates;
  {
    TL_TRY_ASSIGN(Statement query,
                  db.prepare("SELECT id, conversation_id, seq, sender_id, client_msg_id, body, reply_to, created_at,"
                             " edited_at, change_seq, deleted_at FROM messages WHERE conversation_id = ? AND seq > ?"
                             " ORDER BY seq LIMIT ?"));
    query.bind_all(request.conversation_id, swept, std::int64_t{request.limit});
    for (;;) {
      TL_TRY_ASSIGN(bool has_row, query.step());
      if (!has_row) break;
      candidates.push_back(read_message(query));
    }
  }
  const ExpiryPlan plan = plan_expiry(candidates, request.now, keep, swept, request.limit);
  for (std::size_t i = 0; i < plan.old_count; ++i) {
    model::Message& message = candidates[i];
    if (message.deleted_at) continue;  // deleted by a user already: nothing left to erase
    const model::MessageChange change = expiry_of(message, request.now);
    TL_TRY_ASSIGN(model::Change expired, commit_change(db, change, std::move(message)));
    outcome.changes.push_back(std::move(expired));
  }
  outcome.more = plan.more;
  if (plan.swept != swept) {
    TL_TRY_ASSIGN(Statement update, db.prepare("UPDATE conversations SET retention_swept_seq = ? WHERE id = ?"));
    update.bind_all(plan.swept, request.conversation_id);
    TL_TRY(update.run());
  }
  if (!outcome.changes.empty()) {
    TL_TRY_ASSIGN(outcome.member_ids, member_user_ids(db, request.conversation_id));
  }
  return outcome;
}

}  // namespace talkline::store::sqlite
