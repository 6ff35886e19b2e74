#include "store/postgres/user_queries.hpp"

#include <algorithm>
#include <limits>
#include <string>

#include "store/postgres/executor.hpp"
#include "store/row_mappers.hpp"

namespace talkline::store::postgres {

namespace {

const std::string kSelectUser = std::string("SELECT ") + kUserColumns + " FROM users u";

std::vector<model::User> all_users(const Rows& rows) {
  std::vector<model::User> users;
  for (int row = 0; row < rows.size(); ++row) users.push_back(read_user(rows.at(row)));
  return users;
}

Result<model::User> one_user(const Rows& rows) {
  if (rows.empty()) return Error::not_found("user not found");
  return read_user(rows.at(0));
}

}  // namespace

Result<model::User> find_user(Executor& db, model::Id user_id) {
  TL_TRY_ASSIGN(Rows rows, db.query(kSelectUser + " WHERE u.id = $1", Params::of(user_id)));
  return one_user(rows);
}

Result<model::UserCredentials> find_credentials(Executor& db, const std::string& username) {
  TL_TRY_ASSIGN(Rows rows,
                db.query(std::string("SELECT ") + kUserColumns + ", u.password_hash FROM users u WHERE u.username = $1",
                         Params::of(username)));
  if (rows.empty()) return Error::not_found("user not found");
  model::UserCredentials credentials;
  credentials.user = read_user(rows.at(0));
  credentials.password_hash = rows.text(0, kUserColumnCount);
  return credentials;
}

Result<model::User> insert_user(Executor& db, const model::NewUser& user) {
  TL_TRY_ASSIGN(Rows rows, db.query(std::string("INSERT INTO users AS u (id, username, display_name, password_hash,"
                                                " role, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ") +
                                        kUserColumns,
                                    Params::of(user.id, user.username, user.display_name, user.password_hash,
                                               model::role_name(user.role), user.created_at)));
  return one_user(rows);
}

Result<model::User> update_profile(Executor& db, model::Id user_id, const model::ProfilePatch& patch) {
  if (!patch.display_name && !patch.bio && !patch.avatar_url) return find_user(db, user_id);
  TL_TRY_ASSIGN(Rows rows, db.query(std::string("UPDATE users u SET display_name = COALESCE($1, u.display_name),"
                                                " bio = COALESCE($2, u.bio), avatar_url = COALESCE($3, u.avatar_url)"
                                                " WHERE u.id = $4 RETURNING ") +
                                        kUserColumns,
                                    Params::of(patch.display_name, patch.bio, patch.avatar_url, user_id)));
  return one_user(rows);
}

Result<model::User> set_user_role(Executor& db, model::Id user_id, model::Role role) {
  TL_TRY_ASSIGN(Rows rows,
                db.query(std::string("UPDATE users u SET role = $1 WHERE u.id = $2 RETURNING ") + kUserColumns,
                         Params::of(model::role_name(role), user_id)));
  return one_user(rows);
}

// No time lifts the suspension; COALESCE keeps the time of one already in force:
// banned_at says since when the account has been suspended, not when someone last asked.
Result<model::User> set_user_suspended(Executor& db, model::Id user_id, std::optional<model::Millis> at) {
  TL_TRY_ASSIGN(Rows rows, db.query(std::string("UPDATE users u SET banned_at = CASE WHEN $1::bigint IS NULL THEN NULL"
                                                " ELSE COALESCE(u.banned_at, $1::bigint) END WHERE u.id = $2 RETURNING ") +
                                        kUserColumns,
                                    Params::of(at, user_id)));
  return one_user(rows);
}

// GREATEST skips a NULL and keeps the later time, so an announcement that arrives late
// (another node's, or a repeat) cannot rewind last_seen_at. An UPDATE joined to several
// rows of one user applies only one of them, so a user listed twice is first reduced to
// their latest time. Unknown ids join nothing and are skipped.
Result<void> touch_last_seen(Executor& db, const std::vector<model::LastSeen>& seen) {
  std::vector<std::int64_t> user_ids;
  std::vector<std::int64_t> times;
  user_ids.reserve(seen.size());
  times.reserve(seen.size());
  for (const auto& entry : seen) {
    user_ids.push_back(entry.user_id);
    times.push_back(entry.at);
  }
  TL_TRY(db.query("UPDATE users u SET last_seen_at = GREATEST(u.last_seen_at, latest.seen_at)"
                  " FROM (SELECT user_id, max(seen_at) AS seen_at"
                  " FROM unnest($1::bigint[], $2::bigint[]) AS seen (user_id, seen_at) GROUP BY user_id) AS latest"
                  " WHERE u.id = latest.user_id",
                  Params::of(user_ids, times)));
  return ok_result();
}

// The range bounds let the username index serve the prefix (the column is collated "C",
// so the range is bytewise, as in SQLite); starts_with keeps the match exact and treats
// LIKE wildcards in the prefix as plain text. U+10FFFF is the largest code point, the
// UTF-8 stand-in for SQLite's 0xFF bound (0xFF itself is not valid UTF-8 here).
Result<std::vector<model::User>> search_users_by_prefix(Executor& db, const std::string& prefix,
                                                        const std::optional<std::string>& after_username, int limit) {
  if (limit <= 0) return Error::invalid("limit", "must be positive");
  TL_TRY_ASSIGN(Rows rows, db.query(kSelectUser + " WHERE u.username >= $1 AND u.username < $1 || chr(1114111)"
                                                  " AND starts_with(u.username, $1) AND u.username > $2"
                                                  " ORDER BY u.username LIMIT $3",
                                    Params::of(prefix, after_username.value_or(""), limit)));
  return all_users(rows);
}

Result<std::vector<model::User>> list_users(Executor& db, std::optional<model::Id> after_id, int limit) {
  if (limit <= 0) return Error::invalid("limit", "must be positive");
  TL_TRY_ASSIGN(Rows rows, db.query(kSelectUser + " WHERE u.id > $1 ORDER BY u.id LIMIT $2",
                                    Params::of(after_id.value_or(std::numeric_limits<model::Id>::min()), limit)));
  return all_users(rows);
}

Result<void> require_users(Executor& db, const std::vector<model::Id>& user_ids) {
  if (user_ids.empty()) return ok_result();
  TL_TRY_ASSIGN(Rows rows, db.query("SELECT id FROM users WHERE id = ANY($1::bigint[])", Params::of(user_ids)));
  std::vector<model::Id> found;
  for (int row = 0; row < rows.size(); ++row) found.push_back(rows.int64(row, 0));
  for (model::Id user_id : user_ids) {
    if (std::find(found.begin(), found.end(), user_id) == found.end()) {
      return Error::not_found("user " + std::to_string(user_id) + " not found");
    }
  }
  return ok_result();
}

}  // namespace talkline::store::postgres
