#pragma once

#include <string>

#include "model/types.hpp"
#include "model/user.hpp"

namespace talkline::services {

/// Who is calling: established from a verified access token whose session is live.
struct Principal {
  model::Id user_id = 0;
  model::Role role = model::Role::user;
  model::Id session_id = 0;
  /// The real-time connection a call came through; empty over HTTP. Lets the sender's
  /// own socket get an ack instead of an echo of what it sent.
  std::string connection_id;
};

}  // namespace talkline::services
