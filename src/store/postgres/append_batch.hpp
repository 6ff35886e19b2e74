#pragma once

#include <cstddef>
#include <string>
#include <unordered_set>
#include <vector>

#include "model/message.hpp"
#include "store/postgres/connection.hpp"
#include "util/result.hpp"

namespace talkline::store::postgres {

// Many sends in one statement: tl_message_append_batch (migrations 0002, 0003).

/// True when `next` may join `batch` in one tl_message_append_batch call: it neither
/// repeats the (sender, clientMsgId) of a send already in it nor replies to one of them.
/// The function answers exactly as one send after another only for such batches.
class AppendBatchKeys {
 public:
  bool admits(const model::NewMessage& next) const;
  void add(const model::NewMessage& message);
  void clear();

 private:
  std::unordered_set<std::string> client_keys_;  // sender id, NUL, clientMsgId
  std::unordered_set<model::Id> ids_;
};

/// The call for `messages`, in their order (their arrays are its parameters).
Request append_batch_request(const std::vector<const model::NewMessage*>& messages);
/// One outcome per send from the call's answer, in the order sent; a new message carries
/// the member ids its conversation had in the same transaction.
std::vector<Result<model::SendOutcome>> append_batch_outcomes(const Rows& rows, std::size_t sends);

}  // namespace talkline::store::postgres
