#pragma once

#include <string>
#include <vector>

#include "model/session.hpp"
#include "util/result.hpp"

namespace talkline::store::postgres {

class Executor;

// Refresh tokens and the login sessions (families) they belong to; one statement each.

Result<void> insert_refresh_token(Executor& db, const model::RefreshToken& token);
Result<model::RefreshToken> find_refresh_token_by_hash(Executor& db, const std::string& token_hash);
/// Marks the old token used and inserts the replacement, in one statement so the two
/// stand or fall together. Returns false, having written nothing, when the old token was
/// already used or revoked; `not_found` when it is absent.
Result<bool> rotate_refresh_token(Executor& db, model::Id old_token_id, const model::RefreshToken& replacement,
                                  model::Millis now);
Result<void> revoke_session(Executor& db, model::Id family_id, model::Millis now);
/// Revokes every session of the user not revoked yet; their ids, each once.
Result<std::vector<model::Id>> revoke_user_sessions(Executor& db, model::Id user_id, model::Millis now);
Result<bool> is_session_active(Executor& db, model::Id family_id);

/// Of `family_ids`, the sessions with no token left unrevoked: revoked, or never issued.
Result<std::vector<model::Id>> inactive_sessions(Executor& db, const std::vector<model::Id>& family_ids);
/// Of `user_ids`, the banned accounts and the ids that name no account.
Result<std::vector<model::Id>> locked_out_users(Executor& db, const std::vector<model::Id>& user_ids);

}  // namespace talkline::store::postgres
