#pragma once

#include <string>

#include "config/config.hpp"

namespace talkline::app {

/// What `talkline admin backup` and `talkline admin restore` were given.
struct BackupCommand {
  std::string file;       // the backup: one SQLite file
  std::string blobs_dir;  // empty: attachments' blobs are not copied
  bool force = false;     // replace an existing backup file / an existing (stopped) store
};

/// `talkline admin backup FILE [--blobs DIR] [--force]`: a consistent copy of the data
/// dir's SQLite store, taken while a server may be running on it, and with --blobs the
/// files its uploads name (docs/operations.md "Backup and restore"). Returns the exit code.
int admin_backup(const config::Config& config, const BackupCommand& command);

/// `talkline admin restore FILE [--blobs DIR] [--force]`: checks the backup, then puts it
/// into the data dir, refusing while any process uses that data dir and, without
/// --force, when the data dir already has a store. Returns the exit code.
int admin_restore(const config::Config& config, const BackupCommand& command);

}  // namespace talkline::app
