#include "store/sqlite/migrations.hpp"

#include <string>

#include "store/sqlite/connection.hpp"

namespace talkline::embedded {
extern const std::string_view sqlite_migration_0001;
extern const std::string_view sqlite_migration_0002;
extern const std::string_view sqlite_migration_0003;
extern const std::string_view sqlite_migration_0004;
extern const std::string_view sqlite_migration_0005;
extern const std::string_view sqlite_migration_0006;
extern const std::string_view sqlite_migration_0007;
extern const std::string_view sqlite_migration_0008;
extern const std::string_view sqlite_migration_0009;
}  // namespace talkline::embedded

namespace talkline::store::sqlite {

std::vector<Migration> builtin_migrations() {
  return {{1, embedded::sqlite_migration_0001},
          {2, embedded::sqlite_migration_0002},
          {3, embedded::sqlite_migration_0003},
          {4, embedded::sqlite_migration_0004},
          {5, embedded::sqlite_migration_0005},
          {6, embedded::sqlite_migration_0006},
          {7, embedded::sqlite_migration_0007},
          {8, embedded::sqlite_migration_0008},
          {9, embedded::sqlite_migration_0009}};
}

namespace {

Result<bool> is_applied(Connection& connection, int version) {
  TL_TRY_ASSIGN(Statement query, connection.prepare("SELECT 1 FROM schema_migrations WHERE version = ?"));
  query.bind_all(std::int64_t{version});
  return query.step();
}

Result<void> apply_one(Connection& connection, const Migration& migration, model::Millis now) {
  TL_TRY_ASSIGN(bool applied, is_applied(connection, migration.version));
  if (applied) return ok_result();
  TL_TRY(connection.exec(std::string(migration.sql)));
  TL_TRY_ASSIGN(Statement record,
                connection.prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)"));
  record.bind_all(std::int64_t{migration.version}, now);
  return record.run();
}

}  // namespace

Result<void> apply_migrations(Connection& connection, const std::vector<Migration>& migrations, model::Millis now) {
  TL_TRY(
      connection.exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                      " version INTEGER PRIMARY KEY,"
                      " applied_at INTEGER NOT NULL)"));
  for (const Migration& migration : migrations) {
    TL_TRY(connection.exec("BEGIN IMMEDIATE"));
    Result<void> outcome = apply_one(connection, migration, now);
    if (outcome.ok()) outcome = connection.exec("COMMIT");
    if (!outcome.ok()) {
      if (connection.in_transaction()) (void)connection.exec("ROLLBACK");
      Error error = outcome.take_error();
      error.message = "migration " + std::to_string(migration.version) + " failed: " + error.message;
      return error;
    }
  }
  return ok_result();
}

}  // namespace talkline::store::sqlite
