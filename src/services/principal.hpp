#pragma once

#include "model/types.hpp"
#include "model/user.hpp"

namespace talkline::services {

/// Who is calling: established from a verified access token whose session is live.
struct Principal {
  model::Id user_id = 0;
  model::Role role = model::Role::user;
  model::Id session_id = 0;
};

}  // namespace talkline::services
