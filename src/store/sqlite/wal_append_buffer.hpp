#pragma once

#include <cstdint>

namespace talkline::store::sqlite {

/// The name of a SQLite VFS that behaves like the default one except for WAL files: their
/// appends are gathered in memory and reach the file as one write at the next sync (or
/// read, truncate, size query, out-of-sequence write, or 1 MiB). SQLite writes every WAL
/// frame as two calls (24-byte header, then the page), so a group commit of a few hundred
/// pages otherwise costs a few hundred system calls, each paying the file system's
/// per-write bookkeeping (docs/decisions.md, D38).
///
/// Only for a connection whose commits sync the WAL (PRAGMA synchronous full or extra):
/// a commit publishes its frames to other connections right after that sync, which is
/// what empties the buffer. Under "normal" or "off" a commit does not sync, and readers
/// could be told of frames still in memory. Registered on first use; thread-safe. Null
/// if SQLite would not register it.
const char* wal_append_buffer_vfs();

/// Appends the WAL files of that VFS accepted, and the writes they reached the file as,
/// since the process started (for the store's closing log line and for tests).
struct WalAppendCounts {
  std::uint64_t appends = 0;
  std::uint64_t file_writes = 0;
};
WalAppendCounts wal_append_counts();

}  // namespace talkline::store::sqlite
