#include "store/postgres/migrations.hpp"

#include <functional>
#include <string>

#include "store/postgres/connection.hpp"

namespace talkline::embedded {
extern const std::string_view postgres_migration_0001;
extern const std::string_view postgres_migration_0002;
extern const std::string_view postgres_migration_0003;
extern const std::string_view postgres_migration_0004;
extern const std::string_view postgres_migration_0005;
extern const std::string_view postgres_migration_0006;
extern const std::string_view postgres_migration_0007;
extern const std::string_view postgres_migration_0008;
extern const std::string_view postgres_migration_0009;
extern const std::string_view postgres_migration_0010;
}  // namespace talkline::embedded

namespace talkline::store::postgres {

std::vector<Migration> builtin_migrations() {
  return {{1, embedded::postgres_migration_0001},
          {2, embedded::postgres_migration_0002},
          {3, embedded::postgres_migration_0003},
          {4, embedded::postgres_migration_0004},
          {5, embedded::postgres_migration_0005},
          {6, embedded::postgres_migration_0006},
          {7, embedded::postgres_migration_0007},
          {8, embedded::postgres_migration_0008},
          {9, embedded::postgres_migration_0009},
          {10, embedded::postgres_migration_0010}};
}

namespace {

// Any constant shared by every TalkLine node; "TLMIGRAT" in ASCII.
constexpr const char* kLockMigrations = "SELECT pg_advisory_xact_lock(5497466794362720596)";

Result<void> in_transaction(Connection& connection, const std::function<Result<void>()>& body) {
  TL_TRY(connection.exec("BEGIN"));
  Result<Rows> locked = connection.query(kLockMigrations);
  Result<void> outcome = locked.ok() ? body() : Result<void>(locked.take_error());
  if (outcome.ok()) outcome = connection.exec("COMMIT");
  if (!outcome.ok()) (void)connection.exec("ROLLBACK");
  return outcome;
}

Result<void> apply_one(Connection& connection, const Migration& migration, model::Millis now) {
  TL_TRY_ASSIGN(Rows applied, connection.query("SELECT 1 FROM schema_migrations WHERE version = $1",
                                               Params::of(std::int64_t{migration.version})));
  if (!applied.empty()) return ok_result();
  TL_TRY(connection.exec(std::string(migration.sql)));
  TL_TRY(connection.query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                          Params::of(std::int64_t{migration.version}, now)));
  return ok_result();
}

}  // namespace

Result<void> apply_migrations(Connection& connection, const std::vector<Migration>& migrations, model::Millis now) {
  TL_TRY(in_transaction(connection, [&] {
    return connection.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)");
  }));
  for (const Migration& migration : migrations) {
    Result<void> outcome = in_transaction(connection, [&] { return apply_one(connection, migration, now); });
    if (!outcome.ok()) {
      Error error = outcome.take_error();
      error.message = "migration " + std::to_string(migration.version) + " failed: " + error.message;
      return error;
    }
  }
  return ok_result();
}

}  // namespace talkline::store::postgres
