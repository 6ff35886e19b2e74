#pragma once

#include <vector>

#include "model/message.hpp"
#include "util/result.hpp"

namespace talkline::store::sqlite {

class Connection;

// The change feed: edits and deletes as numbered changes of their conversation, and the
// feed read back with the sends between them (see migration 0003).

/// The whole edit or delete, meant to run as one write job; see Store::message_change_async.
Result<model::ChangeOutcome> record_message_change(Connection& db, const model::MessageChange& change);
/// The conversation's changes with change_seq above `after`, ascending, at most `limit`.
Result<std::vector<model::Change>> list_changes(Connection& db, model::Id conversation_id, model::Seq after, int limit);

}  // namespace talkline::store::sqlite
