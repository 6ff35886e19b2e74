#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <string_view>

#include "util/result.hpp"

// Where uploaded files live: an interface with one backend per kind of storage
// (blob/file_blob_store.hpp: a directory, possibly a volume several nodes share;
// blob/s3/s3_blob_store.hpp: an S3 bucket). tests/conformance/blob_conformance.hpp
// holds the cases every backend passes.
//
// Keys are chosen by the caller ("u/<id>") and checked by blob/blob_key.hpp: 1 to 200
// characters of [A-Za-z0-9._-/], '/'-separated segments that are neither empty nor
// "." nor "..". A key outside these rules is refused with invalid_argument before any
// I/O, so no key reaches outside the store.
//
// Errors: not_found (no blob under the key), invalid_argument (a bad key or range),
// unavailable (the disk or the S3 service cannot serve; the message says why).
//
// Threads: every method of a BlobStore is blocking and may be called from any number
// of threads at once (worker threads, never an event loop: a call can take as long as
// the I/O it does). A BlobWriter belongs to the thread that uses it: one call at a time.

namespace talkline::blob {

using Clock = std::chrono::system_clock;

/// What a finished write stored.
struct BlobInfo {
  std::uint64_t size = 0;
  std::string sha256_hex;  // of the whole content, lower-case hex
};

/// What stat() and list() report of a stored blob.
struct BlobStat {
  std::uint64_t size = 0;
  Clock::time_point modified;  // when the write that stored it finished (backend clock)
};

struct BlobEntry {
  std::string key;
  BlobStat stat;
};

/// Receives the bytes of a read in order, a chunk at a time (chunks are at most a few
/// hundred KiB, never the whole blob). Returning false stops the read.
using ChunkSink = std::function<bool(std::string_view chunk)>;

/// Receives the entries of a listing; returning false stops it.
using EntryVisitor = std::function<bool(const BlobEntry& entry)>;

/// A length meaning "to the end of the blob".
inline constexpr std::uint64_t kToEnd = std::numeric_limits<std::uint64_t>::max();

/// One blob being written. Nothing is visible under the key until finish() returns
/// ok; then the whole content is, at once. Destroying a writer that was neither
/// finished nor aborted aborts it.
class BlobWriter {
 public:
  virtual ~BlobWriter() = default;

  /// Adds `chunk` to the content. After an error the writer is spent: only abort()
  /// (or destruction) remains, and nothing was stored.
  virtual Result<void> append(std::string_view chunk) = 0;

  /// Stores what was appended under the key, replacing any blob already there
  /// (atomically: a reader sees the old content or the new, never a mix), and says
  /// its size and SHA-256. On error nothing new is visible under the key.
  virtual Result<BlobInfo> finish() = 0;

  /// Drops what was appended; nothing is left behind (best effort on S3, where an
  /// upload the service cannot be told about is left to the bucket's lifecycle rule).
  virtual void abort() = 0;
};

class BlobStore {
 public:
  virtual ~BlobStore() = default;

  /// Starts a write of `key`. Two writers of one key may run at once: the one that
  /// finishes last is what stays.
  virtual Result<std::unique_ptr<BlobWriter>> open_writer(std::string_view key) = 0;

  /// Hands the bytes [offset, offset + length) of the blob to `sink`, in order; the
  /// range is cut at the end of the blob (`length` = kToEnd reads to the end) and
  /// returns how many bytes were handed over. An `offset` past the end is
  /// invalid_argument; an offset equal to the size reads nothing.
  ///
  /// Warning: a failure after some chunks were handed over (the disk or the network
  /// failing mid-read) still returns an error; a caller streaming to a client must
  /// then drop that response rather than finish it. A blob replaced while it is read
  /// is read either whole old or whole new.
  virtual Result<std::uint64_t> read(std::string_view key, std::uint64_t offset, std::uint64_t length,
                                     const ChunkSink& sink) = 0;

  /// Size and time of the blob under `key`; not_found when there is none.
  virtual Result<BlobStat> stat(std::string_view key) = 0;

  /// Deletes the blob under `key`. Removing a missing key is ok (idempotent).
  virtual Result<void> remove(std::string_view key) = 0;

  /// Visits every stored blob whose key starts with `prefix` ("" for all), in no
  /// particular order, each once. For the sweep that removes uploads never attached
  /// to a message: it picks by BlobEntry::stat.modified. Blobs written or removed
  /// while a listing runs may or may not be visited. `prefix` need not be a key, but
  /// only the key characters are allowed in it.
  virtual Result<void> list(std::string_view prefix, const EntryVisitor& visit) = 0;

  /// Removes what writers that never finished nor aborted (a process that died
  /// mid-upload) left behind, when they started before `cutoff`; returns how many
  /// were removed. The filesystem store deletes its stale temporary files; the S3
  /// store removes nothing and returns 0 (give the bucket a lifecycle rule that aborts
  /// incomplete multipart uploads).
  virtual Result<std::size_t> remove_abandoned_writes(Clock::time_point cutoff) = 0;
};

}  // namespace talkline::blob
