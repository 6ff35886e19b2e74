#pragma once

#include <vector>

#include "model/message.hpp"
#include "store/postgres/executor.hpp"
#include "util/result.hpp"

namespace talkline::store::postgres {

// Reactions as message views show them: counts per emoji, read from message_reactions
// (migration 0004) for the messages a query returned.

/// Fills each message's `reactions` (counts, `me` unset), ordered by the earliest
/// reaction each emoji has now; one statement for all of them.
Result<void> attach_reactions(Executor& db, const std::vector<model::Message*>& messages);

/// The reactions `user_id` has on the messages at `seqs` of the conversation.
Result<std::vector<model::ReactionMark>> reactions_of_user(Executor& db, model::Id user_id, model::Id conversation_id,
                                                           const std::vector<model::Seq>& seqs);

}  // namespace talkline::store::postgres
