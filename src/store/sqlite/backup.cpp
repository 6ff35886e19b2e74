#include "store/sqlite/backup.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <system_error>
#include <thread>

#include <sqlite3.h>

#include "store/sqlite/connection.hpp"
#include "store/sqlite/migrations.hpp"
#include "store/sqlite/sqlite_error.hpp"

namespace talkline::store::sqlite {
namespace {

namespace fs = std::filesystem;

// A backup file that cannot be used; the message is for the operator as it stands.
Error unusable(std::string message) { return Error{ErrorCode::invalid_argument, std::move(message), {}, 0}; }

Result<std::string> single_text(Connection& db, std::string_view sql) {
  TL_TRY_ASSIGN(Statement query, db.prepare(sql));
  TL_TRY_ASSIGN(bool has_row, query.step());
  if (!has_row) return Error::internal(std::string(sql) + " returned nothing");
  return query.text(0);
}

// The rename of a finished file survives a crash only once its directory is synced.
Result<void> sync_directory_of(const fs::path& file) {
  const fs::path dir = file.has_parent_path() ? file.parent_path() : fs::path(".");
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Error::unavailable("cannot open " + dir.string() + " to sync it");
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Error::unavailable("cannot sync " + dir.string());
  return ok_result();
}

Result<void> sync_file(const fs::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error::unavailable("cannot open " + file.string() + " to sync it");
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Error::unavailable("cannot sync " + file.string());
  return ok_result();
}

// Copies every page of `source` into `destination` under the read transaction the
// caller holds on `source`, a step at a time.
Result<BackupSummary> copy_pages(Connection& source, Connection& destination, const BackupOptions& options) {
  sqlite3_backup* backup = sqlite3_backup_init(destination.handle(), "main", source.handle(), "main");
  if (backup == nullptr) {
    return sqlite_error(sqlite3_extended_errcode(destination.handle()), sqlite3_errmsg(destination.handle()));
  }
  BackupSummary summary;
  int busy_in_a_row = 0;
  int rc = SQLITE_OK;
  for (;;) {
    rc = sqlite3_backup_step(backup, options.pages_per_step);
    if (rc == SQLITE_DONE) break;
    if (rc == SQLITE_OK) {
      ++summary.steps;
      busy_in_a_row = 0;
    } else if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
      // Only the destination can be locked here (the source's snapshot is already
      // held), and nothing else should use a fresh file: wait a little, then give up.
      if (++busy_in_a_row > options.max_busy_steps) break;
    } else {
      break;
    }
    if (options.pause.count() > 0) std::this_thread::sleep_for(options.pause);
  }
  summary.pages = sqlite3_backup_pagecount(backup);
  const int finished = sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) {
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) return Error::unavailable("the backup copy stayed locked");
    return sqlite_error(rc, sqlite3_errstr(rc));
  }
  if (finished != SQLITE_OK) return sqlite_error(finished, sqlite3_errmsg(destination.handle()));
  return summary;
}

Result<BackupSummary> backup_into(const std::string& source_path, const std::string& part_path,
                                  const BackupOptions& options) {
  TL_TRY_ASSIGN(auto source, Connection::open(source_path, Connection::Mode::read_only, options.busy_timeout_ms));
  TL_TRY_ASSIGN(std::string journal_mode, single_text(*source, "PRAGMA journal_mode"));
  // The snapshot: every step below reads this transaction's view, whatever the server
  // commits meanwhile.
  TL_TRY(source->exec("BEGIN"));
  TL_TRY(single_text(*source, "SELECT count(*) FROM sqlite_schema"));

  Result<BackupSummary> copied = Error::internal("backup not run");
  {
    TL_TRY_ASSIGN(auto destination, Connection::open(part_path, Connection::Mode::read_write, options.busy_timeout_ms));
    copied = copy_pages(*source, *destination, options);
    if (copied.ok()) {
      // The copy carries the source's WAL flag; a backup is one file, with no -wal beside it.
      auto mode = single_text(*destination, "PRAGMA journal_mode = DELETE");
      if (!mode.ok()) return mode.take_error();
      if (*mode != "delete") return Error::unavailable("cannot take the backup out of WAL mode (" + *mode + ")");
    }
  }
  (void)source->exec("COMMIT");
  if (copied.ok()) copied->source_journal_mode = std::move(journal_mode);
  return copied;
}

// Why `destination` may not take a backup of `source`, or nullopt when it may. The copy
// is renamed over the destination, so the live store itself, or a file SQLite keeps
// beside it (talkline.db-wal, -shm, -journal) or any other talkline.db* name in its
// directory, would be replaced under a running server and the store corrupted.
std::optional<std::string> refused_destination(const fs::path& source, const fs::path& destination) {
  std::error_code ec;
  if (fs::exists(destination, ec) && fs::equivalent(source, destination, ec)) {
    return destination.string() + ", the store being backed up";
  }
  // Links resolved, so another spelling of the data dir is recognised too.
  auto resolved = [](const fs::path& path) {
    std::error_code failed;
    fs::path canonical = fs::weakly_canonical(path, failed);
    return failed ? fs::absolute(path, failed).lexically_normal() : canonical;
  };
  const fs::path store = resolved(source);
  const fs::path target = resolved(destination);
  if (target == store) return destination.string() + ", the store being backed up";
  if (target.parent_path() == store.parent_path() &&
      target.filename().string().starts_with(store.filename().string())) {
    return destination.string() + ", which is named like the store's own files (" + store.filename().string() + "*)";
  }
  return std::nullopt;
}

void remove_quietly(const fs::path& path) {
  std::error_code ec;
  fs::remove(path, ec);
  fs::remove(path.string() + "-journal", ec);
  fs::remove(path.string() + "-wal", ec);
  fs::remove(path.string() + "-shm", ec);
}

}  // namespace

int newest_schema_version() {
  int newest = 0;
  for (const Migration& migration : builtin_migrations()) newest = std::max(newest, migration.version);
  return newest;
}

Result<BackupSummary> backup_database(const std::string& source, const std::string& destination,
                                      const BackupOptions& options) {
  std::error_code ec;
  if (!fs::is_regular_file(source, ec)) return Error::not_found("database " + source);
  if (auto refused = refused_destination(source, destination)) {
    std::string message = "cannot back up into " + *refused + ": write the backup outside the data dir";
    return Error{ErrorCode::invalid_argument, std::move(message), {}, 0};
  }
  if (!options.replace && fs::exists(destination, ec)) return Error::conflict(destination + " already exists");
  const fs::path part = destination + ".part";
  remove_quietly(part);

  auto copied = backup_into(source, part.string(), options);
  if (!copied.ok()) {
    remove_quietly(part);
    return copied.take_error();
  }
  auto checked = check_database(part.string(), newest_schema_version());
  if (!checked.ok()) {
    remove_quietly(part);
    Error error = checked.take_error();
    error.message = "the copy failed its check: " + error.message;
    return error;
  }
  copied->schema_version = checked->schema_version;
  fs::rename(part, destination, ec);
  if (ec) {
    remove_quietly(part);
    return Error::unavailable("cannot rename the copy to " + destination + ": " + ec.message());
  }
  TL_TRY(sync_directory_of(destination));
  return copied;
}

Result<DatabaseCheck> check_database(const std::string& path, int newest_known_version) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return unusable(path + " is not a file");
  TL_TRY_ASSIGN(auto db, Connection::open(path, Connection::Mode::read_only, 5000));
  auto not_usable = [&path](const Error& error) {
    return unusable(path + " is not a usable SQLite database: " + error.message);
  };

  // integrity_check answers one row "ok", or one row per problem found.
  auto integrity = db->prepare("PRAGMA integrity_check(10)");
  if (!integrity.ok()) return not_usable(integrity.error());
  std::string problems;
  for (;;) {
    auto row = integrity->step();
    if (!row.ok()) return not_usable(row.error());
    if (!*row) break;
    const std::string line = integrity->text(0);
    if (line == "ok") continue;
    if (!problems.empty()) problems += "; ";
    problems += line;
  }
  if (!problems.empty()) return unusable(path + " fails PRAGMA integrity_check: " + problems);

  auto has_table = single_text(*db, "SELECT count(*) FROM sqlite_schema WHERE name = 'schema_migrations'");
  if (!has_table.ok()) return not_usable(has_table.error());
  if (*has_table == "0") return unusable(path + " is not a TalkLine store (no schema_migrations)");
  auto version = single_text(*db, "SELECT coalesce(max(version), 0) FROM schema_migrations");
  if (!version.ok()) return not_usable(version.error());
  DatabaseCheck check;
  check.schema_version = std::stoi(*version);
  if (check.schema_version > newest_known_version) {
    return unusable(path + " has schema version " + std::to_string(check.schema_version) +
                    ", newer than this binary's " + std::to_string(newest_known_version) +
                    ": restore it with the release that wrote it, or a later one");
  }
  return check;
}

Result<DatabaseCheck> install_database(const std::string& backup, const std::string& target, int newest_known_version) {
  const fs::path part = target + ".restore-part";
  remove_quietly(part);
  std::error_code ec;
  fs::copy_file(backup, part, fs::copy_options::overwrite_existing, ec);
  if (ec) return Error::unavailable("cannot copy " + backup + " to " + part.string() + ": " + ec.message());
  // It holds password and token hashes, like the store it replaces.
  fs::permissions(part, fs::perms::owner_read | fs::perms::owner_write, ec);
  if (Result<void> synced = sync_file(part); !synced.ok()) {
    remove_quietly(part);
    return synced.take_error();
  }
  for (const char* suffix : {"-wal", "-shm", "-journal"}) {
    fs::remove(target + suffix, ec);
    if (ec) {
      remove_quietly(part);
      return Error::unavailable("cannot remove " + target + suffix + ": " + ec.message());
    }
  }
  fs::rename(part, target, ec);
  if (ec) {
    remove_quietly(part);
    return Error::unavailable("cannot rename " + part.string() + " to " + target + ": " + ec.message());
  }
  TL_TRY(sync_directory_of(target));
  return check_database(target, newest_known_version);
}

Result<std::vector<std::string>> referenced_blob_keys(const std::string& path) {
  TL_TRY_ASSIGN(auto db, Connection::open(path, Connection::Mode::read_only, 5000));
  TL_TRY_ASSIGN(Statement query, db->prepare("SELECT blob_key FROM uploads"
                                             " UNION SELECT thumbnail_key FROM uploads WHERE thumbnail_key IS NOT NULL"
                                             " ORDER BY 1"));
  return query.first_column_texts();
}

}  // namespace talkline::store::sqlite
