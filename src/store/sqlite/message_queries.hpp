#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/message.hpp"
#include "util/result.hpp"

namespace talkline::store::sqlite {

class Connection;

// Messages: the idempotent, gap-free insert, history windows and full-text search.

Result<model::Message> find_message_by_seq(Connection& db, model::Id conversation_id, model::Seq seq);
/// The whole send, meant to run as one write job; see Store::message_insert.
Result<model::SendOutcome> insert_message(Connection& db, const model::NewMessage& message);
/// Adds the messages inserted since the last call to the word index; the writer runs it
/// right before each COMMIT.
Result<void> index_pending_messages(Connection& db);
Result<std::vector<model::Message>> list_messages(Connection& db, model::Id conversation_id,
                                                  std::optional<model::Seq> before, std::optional<model::Seq> after,
                                                  int limit);
Result<std::vector<model::Message>> search_messages(Connection& db, model::Id user_id,
                                                    const std::vector<std::string>& terms,
                                                    std::optional<model::Id> conversation_id,
                                                    std::optional<model::Id> before_id, int limit);

/// An FTS5 MATCH expression requiring every term as a literal word sequence: each term is
/// double-quoted with inner quotes doubled, so operators (AND, NEAR, `*`, `-`, `^`,
/// column filters) in user input stay plain text.
/// A MATCH expression requiring every term in the body (each quoted, so no term is
/// read as FTS syntax) and, when `conversation_ids` is non-empty, one of those
/// conversations in the scope column.
std::string fts_match_expression(const std::vector<std::string>& terms, const std::vector<model::Id>& conversation_ids);

}  // namespace talkline::store::sqlite
