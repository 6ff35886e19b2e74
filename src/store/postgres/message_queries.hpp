#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/message.hpp"
#include "store/postgres/connection.hpp"
#include "util/result.hpp"

namespace talkline::store::postgres {

class Executor;

// Messages: the send, history windows and word search; one statement each.

/// The whole send in one statement (tl_message_append, migrations 0001, 0003); see
/// Store::message_insert for the contract.
Result<model::SendOutcome> insert_message(Executor& db, const model::NewMessage& message);
/// The tl_message_append call for `message`, and the outcome its answer says. The batch
/// function (append_batch.hpp) answers each send with a row of the same columns first, so
/// it reads its rows with append_outcome too.
Request append_request(const model::NewMessage& message);
Result<model::SendOutcome> append_outcome(const Rows& rows, int row = 0);
Result<std::vector<model::Message>> list_messages(Executor& db, model::Id conversation_id,
                                                  std::optional<model::Seq> before, std::optional<model::Seq> after,
                                                  int limit);
Result<std::vector<model::Message>> search_messages(Executor& db, model::Id user_id,
                                                    const std::vector<std::string>& terms,
                                                    std::optional<model::Id> conversation_id,
                                                    std::optional<model::Id> before_id, int limit);

/// The tsquery requiring every term: each term is parsed by phraseto_tsquery as a phrase of
/// plain words (so operators in user input stay text), and the phrases are joined with &&.
/// The terms themselves travel as parameters $first, $first+1, ….
std::string tsquery_expression(std::size_t term_count, int first);

}  // namespace talkline::store::postgres
