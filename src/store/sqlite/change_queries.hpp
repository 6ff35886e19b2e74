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
/// What every change does once it is allowed, edits, deletes by users and by the retention
/// sweep alike (so whatever a delete frees, an expiry frees too): takes the conversation's
/// next change_seq, records the change, applies it to `message` and the search index, and
/// returns it with the message as it now is. Part of a write job; checks nothing.
Result<model::Change> commit_change(Connection& db, const model::MessageChange& change, model::Message message);
/// The conversation's changes with change_seq above `after`, ascending, at most `limit`.
Result<std::vector<model::Change>> list_changes(Connection& db, model::Id conversation_id, model::Seq after, int limit);

}  // namespace talkline::store::sqlite
