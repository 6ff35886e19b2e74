#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/types.hpp"

namespace talkline::model {

struct Message {
  Id id = 0;
  Id conversation_id = 0;
  Seq seq = 0;
  Id sender_id = 0;
  std::string client_msg_id;
  std::string body;  // byte-exact as sent
  std::optional<Id> reply_to;
  Millis created_at = 0;
  std::optional<Millis> edited_at;
};

struct NewMessage {
  Id id = 0;  // used only if this is not a retry
  Id conversation_id = 0;
  Id sender_id = 0;
  std::string client_msg_id;
  std::string body;
  std::optional<Id> reply_to;
  Millis created_at = 0;
};

/// Outcome of a send: the stored message and whether this call created it
/// (false when a retry with the same clientMsgId found the original).
struct SendOutcome {
  Message message;
  bool created = false;
  /// The conversation's members as the commit saw them, for a new message, when the
  /// store reads them in the same transaction (empty otherwise).
  std::vector<Id> member_ids;
};

/// A full-text search hit.
struct SearchHit {
  Message message;
};

enum class CursorKind { delivered, read };

}  // namespace talkline::model
