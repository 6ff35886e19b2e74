#pragma once

#include <vector>

#include "model/message.hpp"
#include "util/result.hpp"

namespace talkline::store::postgres {

class Executor;

// The change feed: edits and deletes of messages, and reading a conversation's changes.

/// Task (write, one transaction): checks `change`, takes the conversation's next
/// change_seq under its row lock, records the change and applies it to the message; see
/// Store::message_change_async for the contract. The word index follows by itself (the
/// tsvector column is computed from the body).
Result<model::ChangeOutcome> record_message_change(Executor& db, const model::MessageChange& change);

/// What every change does once it is allowed, edits, deletes by users and by the retention
/// sweep alike (so whatever a delete frees, an expiry frees too): takes the conversation's
/// next change_seq, records the change and applies it to `message`; returns the change
/// with the message as it now is. Part of a write task that holds the conversation's row
/// lock; checks nothing.
Result<model::Change> commit_change(Executor& db, const model::MessageChange& change, const model::Message& message);

/// One statement: the conversation's changes with change_seq above `after`, ascending, at
/// most `limit`, each with its message as it is now; see Store::change_list.
Result<std::vector<model::Change>> list_changes(Executor& db, model::Id conversation_id, model::Seq after, int limit);

}  // namespace talkline::store::postgres
