#pragma once

#include <vector>

#include "model/message.hpp"
#include "util/result.hpp"

namespace talkline::store::sqlite {

class Connection;

/// The conversation's pinned messages (message_pins, migration 0004), the latest pin
/// first, each message with its reactions.
Result<std::vector<model::Pin>> list_pins(Connection& db, model::Id conversation_id);

}  // namespace talkline::store::sqlite
