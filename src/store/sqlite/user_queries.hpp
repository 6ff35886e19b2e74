#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/user.hpp"
#include "util/result.hpp"

namespace talkline::store::sqlite {

class Connection;

// Users and their profiles. Each function runs its statements on the given connection and
// leaves transactions to the caller (the writer's batch or a read snapshot).

Result<model::User> find_user(Connection& db, model::Id user_id);
Result<bool> user_exists(Connection& db, model::Id user_id);
Result<model::UserCredentials> find_credentials(Connection& db, const std::string& username);
Result<model::User> insert_user(Connection& db, const model::NewUser& user);
Result<model::User> update_profile(Connection& db, model::Id user_id, const model::ProfilePatch& patch);
Result<model::User> set_user_role(Connection& db, model::Id user_id, model::Role role);
Result<model::User> set_user_suspended(Connection& db, model::Id user_id, std::optional<model::Millis> at);
Result<void> touch_last_seen(Connection& db, const std::vector<model::LastSeen>& seen);
Result<std::vector<model::User>> search_users_by_prefix(Connection& db, const std::string& prefix,
                                                        const std::optional<std::string>& after_username, int limit);
Result<std::vector<model::User>> list_users(Connection& db, std::optional<model::Id> after_id, int limit);

}  // namespace talkline::store::sqlite
