#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "blob/blob_store.hpp"
#include "util/result.hpp"

namespace talkline::blob {

/// What copy_blobs() did, key by key.
struct BlobCopySummary {
  std::size_t copied = 0;
  std::uint64_t bytes_copied = 0;
  /// Already at the destination with the same size (an earlier backup into the same
  /// directory): blobs are never rewritten under a key, so the size is enough.
  std::size_t already_there = 0;
  /// Not in the source: removed after the database snapshot that named them (the
  /// upload was deleted or swept meanwhile), or lost.
  std::vector<std::string> missing;
};

/// Copies the blobs under `keys` from `from` to `to`, each streamed a chunk at a time
/// and visible at the destination only once whole. Stops at the first read or write
/// failure other than a missing source blob, which is counted and skipped.
///
/// Threads: blocking, like every BlobStore call; the caller's thread.
Result<BlobCopySummary> copy_blobs(BlobStore& from, BlobStore& to, const std::vector<std::string>& keys);

}  // namespace talkline::blob
