#pragma once

#include <string>
#include <vector>

#include "model/message.hpp"
#include "util/result.hpp"

namespace talkline::store::sqlite {

class Connection;

// What every message a store returns carries beside its row: reactions (reaction_queries),
// attachments (upload_queries),
// the members it mentions and the preview of the message it answers (migration 0006).

/// Records as mentioned by the message at (conversation_id, seq) the conversation's members
/// named in `usernames` (lower-case; others are ignored) and returns their ids, ascending.
/// Runs inside the write that sends the message, which has no mentions yet.
Result<std::vector<model::Id>> insert_mentions(Connection& db, model::Id conversation_id, model::Seq seq,
                                               const std::vector<std::string>& usernames);
/// insert_mentions after dropping the message's earlier mentions: what an edit does.
Result<std::vector<model::Id>> resolve_mentions(Connection& db, model::Id conversation_id, model::Seq seq,
                                                const std::vector<std::string>& usernames);
/// Messages above `after_seq` of the conversation that mention `user_id`.
Result<model::Seq> count_mentions(Connection& db, model::Id conversation_id, model::Id user_id, model::Seq after_seq);

/// Fills `reactions`, `attachments`, `mentions` and `reply_preview` of each message: one range read per
/// conversation for each of the first three, one read of every replied-to message for the
/// last. A tombstone gets no preview.
Result<void> attach_views(Connection& db, const std::vector<model::Message*>& messages);
Result<void> attach_views(Connection& db, std::vector<model::Message>& messages);
/// attach_views for the message inside each of `items`, as `message_of(item)` names it.
template <typename Items, typename MessageOf>
Result<void> attach_views_within(Connection& db, Items& items, MessageOf message_of) {
  std::vector<model::Message*> messages;
  messages.reserve(items.size());
  for (auto& item : items) messages.push_back(&message_of(item));
  return attach_views(db, messages);
}
/// Only the reply preview, for a message just sent (it has no reactions yet and its
/// mentions were just resolved).
Result<void> attach_reply_previews(Connection& db, const std::vector<model::Message*>& messages);

}  // namespace talkline::store::sqlite
