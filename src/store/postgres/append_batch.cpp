#include "store/postgres/append_batch.hpp"

#include <optional>
#include <string_view>
#include <unordered_map>

#include "store/postgres/array_literal.hpp"
#include "store/postgres/message_queries.hpp"
#include "store/row_mappers.hpp"
#include "util/log.hpp"

namespace talkline::store::postgres {

namespace {

std::string client_key(const model::NewMessage& message) {
  std::string key = std::to_string(message.sender_id);
  key += '\0';
  key += message.client_msg_id;
  return key;
}

// After the outcome and the message's columns.
constexpr int kMemberIdsColumn = 1 + kMessageColumnCount;

}  // namespace

bool AppendBatchKeys::admits(const model::NewMessage& next) const {
  if (client_keys_.contains(client_key(next))) return false;
  return !next.reply_to || !ids_.contains(*next.reply_to);
}

void AppendBatchKeys::add(const model::NewMessage& message) {
  client_keys_.insert(client_key(message));
  ids_.insert(message.id);
}

void AppendBatchKeys::clear() {
  client_keys_.clear();
  ids_.clear();
}

Request append_batch_request(const std::vector<const model::NewMessage*>& messages) {
  std::vector<std::optional<std::int64_t>> conversation_ids, ids, sender_ids, reply_tos, created_ats;
  std::vector<std::string_view> client_msg_ids, bodies;
  for (const model::NewMessage* message : messages) {
    conversation_ids.emplace_back(message->conversation_id);
    ids.emplace_back(message->id);
    sender_ids.emplace_back(message->sender_id);
    client_msg_ids.emplace_back(message->client_msg_id);
    bodies.emplace_back(message->body);
    reply_tos.push_back(message->reply_to);
    created_ats.emplace_back(message->created_at);
  }
  return Request{
      "SELECT * FROM tl_message_append_batch($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[],"
      " $6::bigint[], $7::bigint[])",
      Params::of(bigint_array_literal(conversation_ids), bigint_array_literal(ids), bigint_array_literal(sender_ids),
                 text_array_literal(client_msg_ids), text_array_literal(bodies), bigint_array_literal(reply_tos),
                 bigint_array_literal(created_ats))};
}

// Rows come in input order with the members on the first new message of each conversation
// only (a batch of a busy group would otherwise carry its member list once per message),
// so the later ones take them from there.
std::vector<Result<model::SendOutcome>> append_batch_outcomes(const Rows& rows, std::size_t sends) {
  std::vector<Result<model::SendOutcome>> outcomes;
  if (static_cast<std::size_t>(rows.size()) != sends) {
    outcomes.assign(sends, Error::internal("tl_message_append_batch returned " + std::to_string(rows.size()) +
                                           " rows for " + std::to_string(sends) + " sends"));
    return outcomes;
  }
  outcomes.reserve(sends);
  std::unordered_map<model::Id, std::vector<model::Id>> members_by_conversation;
  for (int row = 0; row < rows.size(); ++row) {
    Result<model::SendOutcome> outcome = append_outcome(rows, row);
    if (outcome.ok() && outcome->created) {
      const model::Id conversation_id = outcome->message.conversation_id;
      if (!rows.is_null(row, kMemberIdsColumn)) {
        auto members = parse_bigint_array(rows.text(row, kMemberIdsColumn));
        if (!members) {
          // The send committed; only whom to tell is unreadable. The caller reads the
          // members itself when the outcome carries none (MessageService::announce).
          members = std::vector<model::Id>{};
          util::log::error("store.bad_member_array", {{"backend", "postgres"}});
        }
        members_by_conversation[conversation_id] = std::move(*members);
      }
      outcome->member_ids = members_by_conversation[conversation_id];
    }
    outcomes.push_back(std::move(outcome));
  }
  return outcomes;
}

}  // namespace talkline::store::postgres
