#pragma once

#include "model/user.hpp"
#include "util/json.hpp"

namespace talkline::wire {

/// The user object of the public contract (docs/protocol.md, "JSON shapes"): camelCase,
/// id as a string, times as RFC 3339, no avatar as null.
util::Json user_json(const model::User& user);
/// The user as administrators see it (docs/openapi.json, AdminUser): user_json plus
/// `suspendedAt`, the time the account was suspended or null. Only admin routes answer
/// it; whether an account is suspended is not for other users to see.
util::Json admin_user_json(const model::User& user);

}  // namespace talkline::wire
