#include "store/sqlite/token_queries.hpp"

#include <algorithm>

#include "store/row_mappers.hpp"
#include "store/sqlite/connection.hpp"

namespace talkline::store::sqlite {

Result<void> insert_refresh_token(Connection& db, const model::RefreshToken& token) {
  TL_TRY_ASSIGN(
      Statement insert,
      db.prepare(
          "INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, created_at, expires_at, used_at, revoked_at)"
          " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
  insert.bind_all(token.id, token.user_id, token.family_id, token.token_hash, token.created_at, token.expires_at,
                  token.used_at, token.revoked_at);
  return insert.run();
}

Result<model::RefreshToken> find_refresh_token_by_hash(Connection& db, const std::string& token_hash) {
  TL_TRY_ASSIGN(Statement query,
                db.prepare("SELECT id, user_id, family_id, token_hash, created_at, expires_at, used_at, revoked_at"
                           " FROM refresh_tokens WHERE token_hash = ?"));
  query.bind_all(token_hash);
  TL_TRY_ASSIGN(bool found, query.step());
  if (!found) return Error::not_found("refresh token not found");
  return read_refresh_token(query);
}

Result<bool> rotate_refresh_token(Connection& db, model::Id old_token_id, const model::RefreshToken& replacement,
                                  model::Millis now) {
  {
    // The guard in the WHERE clause is the reuse check: only a live token can be consumed.
    TL_TRY_ASSIGN(
        Statement consume,
        db.prepare("UPDATE refresh_tokens SET used_at = ? WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL"));
    consume.bind_all(now, old_token_id);
    TL_TRY(consume.run());
  }
  if (db.changes() == 0) {
    TL_TRY_ASSIGN(Statement exists, db.prepare("SELECT 1 FROM refresh_tokens WHERE id = ?"));
    exists.bind_all(old_token_id);
    TL_TRY_ASSIGN(bool found, exists.step());
    if (!found) return Error::not_found("refresh token not found");
    return false;
  }
  TL_TRY(insert_refresh_token(db, replacement));
  return true;
}

Result<void> revoke_session(Connection& db, model::Id family_id, model::Millis now) {
  TL_TRY_ASSIGN(Statement update,
                db.prepare("UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL"));
  update.bind_all(now, family_id);
  return update.run();
}

Result<std::vector<model::Id>> revoke_user_sessions(Connection& db, model::Id user_id, model::Millis now) {
  TL_TRY_ASSIGN(Statement update, db.prepare("UPDATE refresh_tokens SET revoked_at = ?"
                                             " WHERE user_id = ? AND revoked_at IS NULL RETURNING family_id"));
  update.bind_all(now, user_id);
  // One row per token: a session that was refreshed has several.
  TL_TRY_ASSIGN(std::vector<model::Id> family_ids, update.first_column_int64s());
  std::sort(family_ids.begin(), family_ids.end());
  family_ids.erase(std::unique(family_ids.begin(), family_ids.end()), family_ids.end());
  return family_ids;
}

Result<bool> is_session_active(Connection& db, model::Id family_id) {
  TL_TRY_ASSIGN(Statement query,
                db.prepare("SELECT COUNT(*), COUNT(revoked_at) FROM refresh_tokens WHERE family_id = ?"));
  query.bind_all(family_id);
  TL_TRY_ASSIGN(bool has_row, query.step());
  if (!has_row) return false;
  return query.int64(0) > 0 && query.int64(1) == 0;
}

// Both checks below mean what is_session_active and a user's banned_at mean one by one.
Result<std::vector<model::Id>> inactive_sessions(Connection& db, const std::vector<model::Id>& family_ids) {
  TL_TRY_ASSIGN(Statement query,
                db.prepare("SELECT f.value FROM json_each(?) f"
                           " WHERE NOT EXISTS (SELECT 1 FROM refresh_tokens t WHERE t.family_id = f.value)"
                           " OR EXISTS (SELECT 1 FROM refresh_tokens t WHERE t.family_id = f.value"
                           " AND t.revoked_at IS NOT NULL)"));
  query.bind_all(json_id_list(family_ids));
  return query.first_column_int64s();
}

Result<std::vector<model::Id>> locked_out_users(Connection& db, const std::vector<model::Id>& user_ids) {
  TL_TRY_ASSIGN(Statement query, db.prepare("SELECT f.value FROM json_each(?) f LEFT JOIN users u ON u.id = f.value"
                                            " WHERE u.id IS NULL OR u.banned_at IS NOT NULL"));
  query.bind_all(json_id_list(user_ids));
  return query.first_column_int64s();
}

}  // namespace talkline::store::sqlite
