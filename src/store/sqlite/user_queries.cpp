#include "store/sqlite/user_queries.hpp"

#include <limits>

#include "store/row_mappers.hpp"
#include "store/sqlite/connection.hpp"

namespace talkline::store::sqlite {

namespace {

Result<std::vector<model::User>> collect_users(Statement& query) {
  std::vector<model::User> users;
  for (;;) {
    TL_TRY_ASSIGN(bool has_row, query.step());
    if (!has_row) return users;
    users.push_back(read_user(query));
  }
}

}  // namespace

Result<model::User> find_user(Connection& db, model::Id user_id) {
  TL_TRY_ASSIGN(
      Statement query,
      db.prepare("SELECT id, username, display_name, bio, avatar_url, role, created_at, last_seen_at, banned_at"
                 " FROM users WHERE id = ?"));
  query.bind_all(user_id);
  TL_TRY_ASSIGN(bool found, query.step());
  if (!found) return Error::not_found("user not found");
  return read_user(query);
}

Result<bool> user_exists(Connection& db, model::Id user_id) {
  TL_TRY_ASSIGN(Statement query, db.prepare("SELECT 1 FROM users WHERE id = ?"));
  query.bind_all(user_id);
  return query.step();
}

Result<model::UserCredentials> find_credentials(Connection& db, const std::string& username) {
  TL_TRY_ASSIGN(
      Statement query,
      db.prepare("SELECT id, username, display_name, bio, avatar_url, role, created_at, last_seen_at, banned_at,"
                 " password_hash FROM users WHERE username = ?"));
  query.bind_all(username);
  TL_TRY_ASSIGN(bool found, query.step());
  if (!found) return Error::not_found("user not found");
  model::UserCredentials credentials;
  credentials.user = read_user(query);
  credentials.password_hash = query.text(kUserColumnCount);
  return credentials;
}

Result<model::User> insert_user(Connection& db, const model::NewUser& user) {
  {
    // Checked up front so the caller gets a message it can show, not a constraint name.
    TL_TRY_ASSIGN(Statement taken, db.prepare("SELECT 1 FROM users WHERE username = ?"));
    taken.bind_all(user.username);
    TL_TRY_ASSIGN(bool exists, taken.step());
    if (exists) return Error::conflict("username is already taken");
  }
  TL_TRY_ASSIGN(Statement insert,
                db.prepare("INSERT INTO users (id, username, display_name, password_hash, role, created_at)"
                           " VALUES (?, ?, ?, ?, ?, ?)"));
  insert.bind_all(user.id, user.username, user.display_name, user.password_hash, model::role_name(user.role),
                  user.created_at);
  TL_TRY(insert.run());
  return find_user(db, user.id);
}

Result<model::User> update_profile(Connection& db, model::Id user_id, const model::ProfilePatch& patch) {
  if (!patch.display_name && !patch.bio && !patch.avatar_url) return find_user(db, user_id);
  TL_TRY_ASSIGN(Statement update,
                db.prepare("UPDATE users SET display_name = COALESCE(?, display_name), bio = COALESCE(?, bio),"
                           " avatar_url = COALESCE(?, avatar_url) WHERE id = ?"));
  update.bind_all(patch.display_name, patch.bio, patch.avatar_url, user_id);
  TL_TRY(update.run());
  if (db.changes() == 0) return Error::not_found("user not found");
  return find_user(db, user_id);
}

Result<model::User> set_user_role(Connection& db, model::Id user_id, model::Role role) {
  TL_TRY_ASSIGN(Statement update, db.prepare("UPDATE users SET role = ? WHERE id = ?"));
  update.bind_all(model::role_name(role), user_id);
  TL_TRY(update.run());
  if (db.changes() == 0) return Error::not_found("user not found");
  return find_user(db, user_id);
}

// No time lifts the suspension; COALESCE keeps the time of one already in force:
// banned_at says since when the account has been suspended, not when someone last asked.
Result<model::User> set_user_suspended(Connection& db, model::Id user_id, std::optional<model::Millis> at) {
  TL_TRY_ASSIGN(Statement update,
                db.prepare("UPDATE users SET banned_at = CASE WHEN ?1 IS NULL THEN NULL ELSE COALESCE(banned_at, ?1) END"
                           " WHERE id = ?2"));
  update.bind_all(at, user_id);
  TL_TRY(update.run());
  if (db.changes() == 0) return Error::not_found("user not found");
  return find_user(db, user_id);
}

// MAX keeps the later time, so an announcement that arrives late (another node's, or a
// repeat) cannot rewind last_seen_at; COALESCE because SQLite's MAX of a NULL is NULL.
// One cached statement per user inside the caller's one write: an unknown id updates
// nothing and the others go on.
Result<void> touch_last_seen(Connection& db, const std::vector<model::LastSeen>& seen) {
  for (const auto& entry : seen) {
    TL_TRY_ASSIGN(Statement update,
                  db.prepare("UPDATE users SET last_seen_at = MAX(COALESCE(last_seen_at, ?), ?) WHERE id = ?"));
    update.bind_all(entry.at, entry.at, entry.user_id);
    TL_TRY(update.run());
  }
  return ok_result();
}

// A prefix is the half-open range [prefix, prefix + 0xFF): usernames are UTF-8, which never
// contains the byte 0xFF, and TEXT compares bytewise, so the range holds exactly the names
// that start with `prefix` and the username index serves it without LIKE and its wildcards.
Result<std::vector<model::User>> search_users_by_prefix(Connection& db, const std::string& prefix,
                                                        const std::optional<std::string>& after_username, int limit) {
  if (limit <= 0) return Error::invalid("limit", "must be positive");
  TL_TRY_ASSIGN(
      Statement query,
      db.prepare("SELECT id, username, display_name, bio, avatar_url, role, created_at, last_seen_at, banned_at"
                 " FROM users WHERE username >= ? AND username < ? AND username > ?"
                 " ORDER BY username LIMIT ?"));
  query.bind_all(prefix, prefix + '\xFF', after_username.value_or(""), std::int64_t{limit});
  return collect_users(query);
}

Result<std::vector<model::User>> list_users(Connection& db, std::optional<model::Id> after_id, int limit) {
  if (limit <= 0) return Error::invalid("limit", "must be positive");
  TL_TRY_ASSIGN(
      Statement query,
      db.prepare("SELECT id, username, display_name, bio, avatar_url, role, created_at, last_seen_at, banned_at"
                 " FROM users WHERE id > ? ORDER BY id LIMIT ?"));
  query.bind_all(after_id.value_or(std::numeric_limits<model::Id>::min()), std::int64_t{limit});
  return collect_users(query);
}

}  // namespace talkline::store::sqlite
