#include "store/postgres/retention_queries.hpp"

#include <string>
#include <utility>

#include "model/retention.hpp"
#include "store/postgres/change_queries.hpp"
#include "store/postgres/conversation_queries.hpp"
#include "store/postgres/executor.hpp"
#include "store/retention_rules.hpp"
#include "store/row_mappers.hpp"

namespace talkline::store::postgres {

namespace {

// model::effective_retention in SQL, with the server's retention as $1: the
// conversation's own days can shorten it, never lengthen it.
const std::string kKeepMs =
    "(CASE WHEN c.retention_days IS NULL THEN $1::bigint"
    " WHEN $1::bigint > 0 AND $1::bigint < c.retention_days * 86400000::bigint THEN $1::bigint"
    " ELSE c.retention_days * 86400000::bigint END)";

}  // namespace

// Setting the value the row has already writes nothing (no new row version).
Result<model::Conversation> set_conversation_retention(Executor& db, model::Id conversation_id,
                                                       std::optional<int> days) {
  std::optional<std::int64_t> value;
  if (days) value = *days;
  TL_TRY(db.query("UPDATE conversations SET retention_days = $2::integer"
                  " WHERE id = $1 AND retention_days IS DISTINCT FROM $2::integer",
                  Params::of(conversation_id, value)));
  return load_conversation(db, conversation_id);
}

// Only the first message past each conversation's watermark is looked at: the sweep
// goes in seq order, so when that one is not old enough there is nothing to do yet.
Result<std::vector<model::Id>> conversations_due(Executor& db, model::Millis now, model::Millis default_retention,
                                                 model::Id after_id, int limit) {
  if (limit <= 0) return Error::invalid("limit", "must be positive");
  TL_TRY_ASSIGN(Rows rows, db.query("SELECT c.id FROM conversations c"
                                    " JOIN messages m ON m.conversation_id = c.id AND m.seq = c.retention_swept_seq + 1"
                                    " WHERE c.id > $3 AND " +
                                        kKeepMs + " > 0 AND m.created_at < $2::bigint - " + kKeepMs +
                                        " ORDER BY c.id LIMIT $4",
                                    Params::of(default_retention, now, after_id, limit)));
  std::vector<model::Id> ids;
  ids.reserve(static_cast<std::size_t>(rows.size()));
  for (int row = 0; row < rows.size(); ++row) ids.push_back(rows.int64(row, 0));
  return ids;
}

Result<model::ExpiryOutcome> expire_messages(Executor& db, const model::ExpiryRequest& request) {
  if (request.limit <= 0) return Error::invalid("limit", "must be positive");
  TL_TRY_ASSIGN(Rows conversation,
                db.query("SELECT retention_days, retention_swept_seq FROM conversations WHERE id = $1 FOR UPDATE",
                         Params::of(request.conversation_id)));
  if (conversation.empty()) return Error::not_found("conversation not found");
  const std::optional<std::int64_t> days = conversation.optional_int64(0, 0);
  const model::Seq swept = conversation.int64(0, 1);
  model::ExpiryOutcome outcome;
  const model::Millis keep = model::effective_retention(
      days ? std::optional<int>(static_cast<int>(*days)) : std::nullopt, request.default_retention);
  if (keep <= 0) return outcome;
  TL_TRY_ASSIGN(Rows candidates,
                db.query(std::string("SELECT ") + kMessageColumns +
                             " FROM messages m WHERE m.conversation_id = $1 AND m.seq > $2 ORDER BY m.seq LIMIT $3",
                         Params::of(request.conversation_id, swept, request.limit)));
  std::vector<model::Message> messages;
  messages.reserve(static_cast<std::size_t>(candidates.size()));
  for (int row = 0; row < candidates.size(); ++row) messages.push_back(read_message(candidates.at(row)));
  const ExpiryPlan plan = plan_expiry(messages, request.now, keep, swept, request.limit);
  for (std::size_t i = 0; i < plan.old_count; ++i) {
    if (messages[i].deleted_at) continue;  // deleted by a user already: nothing left to erase
    TL_TRY_ASSIGN(model::Change expired, commit_change(db, expiry_of(messages[i], request.now), messages[i]));
    outcome.changes.push_back(std::move(expired));
  }
  outcome.more = plan.more;
  if (plan.swept != swept) {
    TL_TRY(db.query("UPDATE conversations SET retention_swept_seq = $2 WHERE id = $1",
                    Params::of(request.conversation_id, plan.swept)));
  }
  if (!outcome.changes.empty()) {
    TL_TRY_ASSIGN(outcome.member_ids, member_user_ids(db, request.conversation_id));
  }
  return outcome;
}

}  // namespace talkline::store::postgres
