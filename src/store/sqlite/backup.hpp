#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "util/result.hpp"

// Copies and checks of a whole SQLite store file, for `talkline admin backup` and
// `talkline admin restore` (docs/operations.md "Backup and restore"). These run in a
// process of their own, next to a server that may be writing the same file.
//
// Threads: every function blocks for as long as its disk work takes; call them from
// the command's own thread, never from an event loop.

namespace talkline::store::sqlite {

struct BackupOptions {
  /// Pages copied per sqlite3_backup_step call.
  int pages_per_step = 1024;
  /// Rest between two steps, leaving the disk to the server.
  std::chrono::milliseconds pause{5};
  /// How long a step waits on a lock held by another process before it is tried again.
  int busy_timeout_ms = 5000;
  /// Busy steps in a row after which the backup gives up with `unavailable`.
  int max_busy_steps = 100;
  /// Replace a file already at the destination (only once the new copy is complete).
  bool replace = false;
};

struct BackupSummary {
  std::int64_t pages = 0;
  int steps = 0;
  /// The source's journal mode: "wal" for any database a server has opened.
  std::string source_journal_mode;
  int schema_version = 0;
};

/// Copies the database at `source` into a new file `destination` with SQLite's online
/// backup API, a few pages per step, and returns what it copied.
///
/// The source is opened read-only and a read transaction is held for the whole copy,
/// so the copy is the one snapshot that transaction saw: in WAL mode writers go on
/// committing meanwhile (their commits stay in the WAL until the copy ends; the
/// server's checkpoints simply copy less), and the backup never starts over because
/// the file changed under it. The copy is switched to journal_mode=DELETE, so the
/// backup is one self-contained file, then checked like check_database().
///
/// Fails with not_found when `source` does not exist, invalid_argument when
/// `destination` is `source` (by any path or link) or a file beside it whose name starts
/// with the source's (its -wal, -shm, -journal: replacing one would corrupt a running
/// server's store; `replace` does not override this), conflict when `destination` exists
/// (unless `replace`), and unavailable when the disk or a lock held too long stops the
/// copy. A failed backup leaves no file at `destination`.
Result<BackupSummary> backup_database(const std::string& source, const std::string& destination,
                                      const BackupOptions& options);

/// What check_database() found.
struct DatabaseCheck {
  /// The highest migration recorded in schema_migrations.
  int schema_version = 0;
};

/// Runs PRAGMA integrity_check on the file at `path` (opened read-only) and reads its
/// schema version. invalid_argument when the file is not an SQLite database, fails the
/// check (the message has the first problems found), is not a TalkLine store (no
/// schema_migrations), or has a schema newer than `newest_known_version`: a binary
/// cannot run on a schema from its future (migrations only go forward).
Result<DatabaseCheck> check_database(const std::string& path, int newest_known_version);

/// Puts a copy of the backup file `backup` at `target` (a data dir's database file),
/// replacing whatever is there: the copy is written beside the target, synced, and
/// renamed over it, and the target's old -wal, -shm and -journal files are removed
/// first, so no stale WAL of the replaced store is ever replayed onto the restored
/// one. Then the result is checked like check_database(). The caller makes sure no
/// process has `target` open (see app::DataDirLock).
Result<DatabaseCheck> install_database(const std::string& backup, const std::string& target, int newest_known_version);

/// The blob keys the uploads recorded in the database at `path` name (files and their
/// thumbnails), sorted: the blobs a backup has to carry along with the database.
Result<std::vector<std::string>> referenced_blob_keys(const std::string& path);

/// The newest schema version this binary's migrations know.
int newest_schema_version();

}  // namespace talkline::store::sqlite
