#pragma once

#include <string>

#include "util/result.hpp"

namespace talkline::app {

/// An advisory lock (flock) on `<data dir>/talkline.lock` that says "a process has this
/// data dir's SQLite store open". Every process that opens the store to write holds it
/// shared (a server, `admin create`), so they coexist; `admin restore` needs it
/// exclusive, so it never replaces a database under a running server. `admin backup`
/// takes none: it only reads, beside a live server, and a restore that replaces the
/// files meanwhile leaves the ones it has open untouched. SQLite's own locks cannot say
/// this: a WAL database keeps no lock between transactions that another process can test.
///
/// The kernel drops the lock when the process ends, however it ends (kill -9 included).
class DataDirLock {
 public:
  enum class Mode { shared, exclusive };

  /// Takes the lock without waiting; `conflict` when another process holds it in a
  /// mode that excludes `mode`, `unavailable` when the file cannot be opened.
  static Result<DataDirLock> take(const std::string& data_dir, Mode mode);

  DataDirLock() = default;
  ~DataDirLock();
  DataDirLock(DataDirLock&& other) noexcept;
  DataDirLock& operator=(DataDirLock&& other) noexcept;
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace talkline::app
