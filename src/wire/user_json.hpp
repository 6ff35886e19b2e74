#pragma once

#include "model/user.hpp"
#include "util/json.hpp"

namespace talkline::wire {

/// The user object of the public contract (docs/protocol.md, "JSON shapes"): camelCase,
/// id as a string, times as RFC 3339, no avatar as null.
util::Json user_json(const model::User& user);

}  // namespace talkline::wire
