#include "store/postgres/token_queries.hpp"

#include "store/postgres/executor.hpp"
#include "store/row_mappers.hpp"

namespace talkline::store::postgres {

Result<void> insert_refresh_token(Executor& db, const model::RefreshToken& token) {
  TL_TRY(
      db.query("INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, created_at, expires_at, used_at,"
               " revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
               Params::of(token.id, token.user_id, token.family_id, token.token_hash, token.created_at,
                          token.expires_at, token.used_at, token.revoked_at)));
  return ok_result();
}

Result<model::RefreshToken> find_refresh_token_by_hash(Executor& db, const std::string& token_hash) {
  TL_TRY_ASSIGN(Rows rows,
                db.query(std::string("SELECT ") + kTokenColumns + " FROM refresh_tokens t WHERE t.token_hash = $1",
                         Params::of(token_hash)));
  if (rows.empty()) return Error::not_found("refresh token not found");
  return read_refresh_token(rows.at(0));
}

// The guard in the UPDATE is the reuse check: only a live token can be consumed, and a
// concurrent rotation of the same token waits for the row and then finds it used. The
// replacement is inserted only for a consumed token; the EXISTS tells "used" from "absent".
Result<bool> rotate_refresh_token(Executor& db, model::Id old_token_id, const model::RefreshToken& replacement,
                                  model::Millis now) {
  TL_TRY_ASSIGN(
      Rows rows,
      db.query("WITH consumed AS (UPDATE refresh_tokens SET used_at = $1"
               "   WHERE id = $2 AND used_at IS NULL AND revoked_at IS NULL RETURNING id),"
               " inserted AS (INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, created_at, expires_at,"
               "   used_at, revoked_at) SELECT $3::bigint, $4::bigint, $5::bigint, $6::text, $7::bigint, $8::bigint,"
               "   $9::bigint, $10::bigint FROM consumed RETURNING id)"
               " SELECT (SELECT count(*) FROM inserted), EXISTS (SELECT 1 FROM refresh_tokens WHERE id = $2)",
               Params::of(now, old_token_id, replacement.id, replacement.user_id, replacement.family_id,
                          replacement.token_hash, replacement.created_at, replacement.expires_at, replacement.used_at,
                          replacement.revoked_at)));
  if (rows.int64(0, 0) > 0) return true;
  if (rows.text(0, 1) != "t") return Error::not_found("refresh token not found");
  return false;
}

Result<void> revoke_session(Executor& db, model::Id family_id, model::Millis now) {
  TL_TRY(db.query("UPDATE refresh_tokens SET revoked_at = $1 WHERE family_id = $2 AND revoked_at IS NULL",
                  Params::of(now, family_id)));
  return ok_result();
}

Result<bool> is_session_active(Executor& db, model::Id family_id) {
  TL_TRY_ASSIGN(Rows rows, db.query("SELECT count(*), count(revoked_at) FROM refresh_tokens WHERE family_id = $1",
                                    Params::of(family_id)));
  return rows.int64(0, 0) > 0 && rows.int64(0, 1) == 0;
}

namespace {

std::vector<model::Id> first_column(const Rows& rows) {
  std::vector<model::Id> ids;
  ids.reserve(static_cast<std::size_t>(rows.size()));
  for (int row = 0; row < rows.size(); ++row) ids.push_back(rows.int64(row, 0));
  return ids;
}

}  // namespace

// One row per token comes back from the UPDATE (a session that was refreshed has several),
// hence DISTINCT.
Result<std::vector<model::Id>> revoke_user_sessions(Executor& db, model::Id user_id, model::Millis now) {
  TL_TRY_ASSIGN(Rows rows, db.query("WITH revoked AS (UPDATE refresh_tokens SET revoked_at = $1"
                                    "   WHERE user_id = $2 AND revoked_at IS NULL RETURNING family_id)"
                                    " SELECT DISTINCT family_id FROM revoked",
                                    Params::of(now, user_id)));
  return first_column(rows);
}

// Both checks below mean what is_session_active and a user's banned_at mean one by one.
Result<std::vector<model::Id>> inactive_sessions(Executor& db, const std::vector<model::Id>& family_ids) {
  TL_TRY_ASSIGN(Rows rows, db.query("SELECT f FROM unnest($1::bigint[]) AS f"
                                    " WHERE NOT EXISTS (SELECT 1 FROM refresh_tokens t WHERE t.family_id = f)"
                                    " OR EXISTS (SELECT 1 FROM refresh_tokens t WHERE t.family_id = f"
                                    " AND t.revoked_at IS NOT NULL)",
                                    Params::of(family_ids)));
  return first_column(rows);
}

Result<std::vector<model::Id>> locked_out_users(Executor& db, const std::vector<model::Id>& user_ids) {
  TL_TRY_ASSIGN(Rows rows, db.query("SELECT f FROM unnest($1::bigint[]) AS f LEFT JOIN users u ON u.id = f"
                                    " WHERE u.id IS NULL OR u.banned_at IS NOT NULL",
                                    Params::of(user_ids)));
  return first_column(rows);
}

}  // namespace talkline::store::postgres
