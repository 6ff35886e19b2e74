#include "app/backup_commands.hpp"

#include <filesystem>
#include <iostream>
#include <system_error>

#include "app/blob_backend.hpp"
#include "app/data_dir_lock.hpp"
#include "blob/blob_copy.hpp"
#include "blob/file_blob_store.hpp"
#include "store/sqlite/backup.hpp"

namespace talkline::app {
namespace {

namespace fs = std::filesystem;

int fail(const std::string& message) {
  std::cerr << "talkline: " << message << "\n";
  return 1;
}

int fail(const Error& error) { return fail(error.message); }

// Backing up or restoring PostgreSQL is PostgreSQL's own tools' job; say which.
bool refuse_postgres(const config::Config& config, const char* verb) {
  if (config.store == "sqlite") return false;
  std::cerr << "talkline: admin " << verb
            << " works on the embedded SQLite store; TALKLINE_STORE is a PostgreSQL URL.\n"
               "  Use PostgreSQL's tools: pg_dump -Fc / pg_restore for a logical copy, pg_basebackup with\n"
               "  WAL archiving for point-in-time recovery (docs/operations.md \"Backup and restore\").\n";
  return true;
}

fs::path database_path(const config::Config& config) { return fs::path(config.data_dir) / "talkline.db"; }

void print_blob_summary(const blob::BlobCopySummary& summary) {
  std::cout << "blobs: " << summary.copied << " copied (" << summary.bytes_copied << " bytes), "
            << summary.already_there << " already there, " << summary.missing.size() << " missing\n";
  for (const std::string& key : summary.missing) {
    std::cerr << "talkline: warning: blob " << key << " is gone (its upload was removed meanwhile, or it was lost)\n";
  }
}

}  // namespace

int admin_backup(const config::Config& config, const BackupCommand& command) {
  if (refuse_postgres(config, "backup")) return 1;
  store::sqlite::BackupOptions options;
  options.pages_per_step = config.backup_step_pages;
  options.pause = std::chrono::milliseconds(config.backup_step_pause_ms);
  options.replace = command.force;
  auto backup = store::sqlite::backup_database(database_path(config).string(), command.file, options);
  if (!backup.ok()) {
    if (backup.error().code == ErrorCode::conflict) return fail(backup.error().message + " (--force replaces it)");
    if (backup.error().code == ErrorCode::not_found) {
      return fail("no store to back up: " + backup.error().message + " (TALKLINE_DATA_DIR is " + config.data_dir + ")");
    }
    return fail(backup.error());
  }
  std::cout << "backup: " << command.file << " (schema version " << backup->schema_version << ", " << backup->pages
            << " pages in " << backup->steps << " steps, source journal mode " << backup->source_journal_mode << ")\n";

  auto keys = store::sqlite::referenced_blob_keys(command.file);
  if (!keys.ok()) return fail(keys.error());
  if (command.blobs_dir.empty()) {
    if (!keys->empty()) {
      std::cerr << "talkline: warning: the store names " << keys->size()
                << " attachment blobs, not copied: pass --blobs DIR to copy them too\n";
    }
    return 0;
  }
  auto from = open_blob_backend(config);
  if (!from.ok()) return fail(from.error());
  auto to = blob::FileBlobStore::open(command.blobs_dir);
  if (!to.ok()) return fail(to.error());
  auto copied = blob::copy_blobs(**from, **to, *keys);
  if (!copied.ok()) return fail("copying blobs into " + command.blobs_dir + ": " + copied.error().message);
  print_blob_summary(*copied);
  return 0;
}

int admin_restore(const config::Config& config, const BackupCommand& command) {
  if (refuse_postgres(config, "restore")) return 1;
  const int newest = store::sqlite::newest_schema_version();
  auto checked = store::sqlite::check_database(command.file, newest);
  if (!checked.ok()) return fail("cannot restore: " + checked.error().message);
  std::error_code ec;
  if (!command.blobs_dir.empty() && !fs::is_directory(command.blobs_dir, ec)) {
    return fail("--blobs " + command.blobs_dir + " is not a directory");
  }

  const bool created = fs::create_directories(config.data_dir, ec);
  if (ec) return fail("TALKLINE_DATA_DIR: cannot create " + config.data_dir + ": " + ec.message());
  if (created) fs::permissions(config.data_dir, fs::perms::owner_all, ec);
  // Held until the restore is done, so no server starts on a half-restored data dir.
  auto lock = DataDirLock::take(config.data_dir, DataDirLock::Mode::exclusive);
  if (!lock.ok()) return fail("cannot restore: " + lock.error().message);
  const fs::path target = database_path(config);
  if (fs::exists(target, ec) && !command.force) {
    return fail("cannot restore: " + target.string() +
                " already holds a store; pass --force to replace it (back it up first)");
  }

  auto installed = store::sqlite::install_database(command.file, target.string(), newest);
  if (!installed.ok()) return fail("restore failed: " + installed.error().message);
  std::cout << "restored: " << target.string() << " (schema version " << installed->schema_version;
  if (installed->schema_version < newest) std::cout << "; migrations up to " << newest << " run at the next start";
  std::cout << ")\n";

  if (command.blobs_dir.empty()) return 0;
  auto keys = store::sqlite::referenced_blob_keys(target.string());
  if (!keys.ok()) return fail(keys.error());
  auto from = blob::FileBlobStore::open(command.blobs_dir);
  if (!from.ok()) return fail(from.error());
  auto to = open_blob_backend(config);
  if (!to.ok()) return fail(to.error());
  auto copied = blob::copy_blobs(**from, **to, *keys);
  if (!copied.ok()) return fail("copying blobs from " + command.blobs_dir + ": " + copied.error().message);
  print_blob_summary(*copied);
  return 0;
}

}  // namespace talkline::app
