#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/message.hpp"
#include "store/postgres/connection.hpp"
#include "store/postgres/executor.hpp"
#include "store/postgres/rows.hpp"
#include "util/result.hpp"

namespace talkline::store::postgres {

// What every message a store returns carries beside its row: reactions (reaction_queries),
// attachments (upload_queries),
// the members it mentions and the preview of the message it answers (migration 0006).

/// Replaces the mentions of the message at (conversation_id, seq) with the conversation's
/// members named in `usernames` (lower-case; others are ignored) and returns their ids,
/// ascending. Runs inside the transaction that edits the message.
Result<std::vector<model::Id>> resolve_mentions(Executor& db, model::Id conversation_id, model::Seq seq,
                                                const std::vector<std::string>& usernames);
/// One statement that records the mentions of every message of `messages` this
/// transaction created, for the send's pipeline; nullopt when none names anyone. A
/// message is known as created by the id it was offered: a retry's row keeps the id of
/// its first send. Answers rows (conversation_id, seq, user_id); see assign_mentions.
std::optional<Request> mention_insert_request(const std::vector<const model::NewMessage*>& messages);
/// Puts the rows of mention_insert_request's answer into the messages they belong to.
void assign_mentions(const Rows& rows, const std::vector<model::Message*>& messages);
/// Messages above `after_seq` of the conversation that mention `user_id`.
Result<model::Seq> count_mentions(Executor& db, model::Id conversation_id, model::Id user_id, model::Seq after_seq);

/// Fills `reactions`, `attachments`, `mentions` and `reply_preview` of each message: one statement for
/// each (the preview reads every replied-to message at once). A tombstone gets no preview.
Result<void> attach_views(Executor& db, const std::vector<model::Message*>& messages);
Result<void> attach_views(Executor& db, std::vector<model::Message>& messages);
/// attach_views for the message inside each of `items`, as `message_of(item)` names it.
template <typename Items, typename MessageOf>
Result<void> attach_views_within(Executor& db, Items& items, MessageOf message_of) {
  std::vector<model::Message*> messages;
  messages.reserve(items.size());
  for (auto& item : items) messages.push_back(&message_of(item));
  return attach_views(db, messages);
}
/// Only the reply preview, for messages just sent (no reactions yet, mentions known).
Result<void> attach_reply_previews(Executor& db, const std::vector<model::Message*>& messages);
/// The read behind attach_reply_previews, for a pipeline: the messages with ids `targets`;
/// nullopt when there are none.
std::optional<Request> reply_preview_request(const std::vector<model::Id>& targets);
/// Sets the preview of each message that replies (and is not a tombstone) from the answer
/// of reply_preview_request; a target missing from it shows as deleted.
void assign_reply_previews(const Rows& rows, const std::vector<model::Message*>& messages);

}  // namespace talkline::store::postgres
