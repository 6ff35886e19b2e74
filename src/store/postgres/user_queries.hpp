#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/user.hpp"
#include "util/result.hpp"

namespace talkline::store::postgres {

class Executor;

// Users and their profiles. Each function is one statement, so it runs as its own
// transaction on the pool or as a step of an enclosing task.

Result<model::User> find_user(Executor& db, model::Id user_id);
Result<model::UserCredentials> find_credentials(Executor& db, const std::string& username);
/// `conflict` when the username is taken (the unique key decides, so racing inserts agree).
Result<model::User> insert_user(Executor& db, const model::NewUser& user);
Result<model::User> update_profile(Executor& db, model::Id user_id, const model::ProfilePatch& patch);
Result<model::User> set_user_role(Executor& db, model::Id user_id, model::Role role);
Result<model::User> set_user_suspended(Executor& db, model::Id user_id, std::optional<model::Millis> at);
Result<void> touch_last_seen(Executor& db, const std::vector<model::LastSeen>& seen);
Result<std::vector<model::User>> search_users_by_prefix(Executor& db, const std::string& prefix,
                                                        const std::optional<std::string>& after_username, int limit);
Result<std::vector<model::User>> list_users(Executor& db, std::optional<model::Id> after_id, int limit);
/// `not_found` naming the first id in `user_ids` that is not a user.
Result<void> require_users(Executor& db, const std::vector<model::Id>& user_ids);

}  // namespace talkline::store::postgres
