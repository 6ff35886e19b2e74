#pragma once

#include <filesystem>
#include <memory>

#include "blob/blob_store.hpp"

namespace talkline::blob {

/// Blobs as files under a root directory, which may be a volume several nodes mount
/// (each node writes whole files and renames them into place, so no locks are needed).
///
///   <root>/objects/<h0h1>/<h2h3>/<name>   a finished blob
///   <root>/tmp/<random>.part             a write in progress
///
/// h0..h3 are the first hex digits of SHA-256(key): 65,536 directories spread the
/// files so no directory grows huge. <name> is the key with '/' written as '~' (which
/// keys never hold), so a listing reads the key back from the name.
///
/// A write goes to a temporary file in <root>/tmp, the same file system as objects/;
/// finish() fsyncs it, renames it over the final name and fsyncs that directory, so
/// after a crash a key holds either its old blob or its whole new one, never a part.
/// A crash mid-write leaves a temporary file that remove_abandoned_writes() deletes
/// once it was last written before the cutoff. That is stricter than "started before":
/// a live writer keeps touching its file, but one idle for longer than the sweep's
/// margin loses it, and its finish() then fails with unavailable.
///
/// Threads: as BlobStore says; the store holds no mutable state.
class FileBlobStore final : public BlobStore {
 public:
  /// Uses `root`, creating it and its two subdirectories when missing; unavailable
  /// when that fails.
  static Result<std::unique_ptr<FileBlobStore>> open(std::filesystem::path root);

  Result<std::unique_ptr<BlobWriter>> open_writer(std::string_view key) override;
  Result<std::uint64_t> read(std::string_view key, std::uint64_t offset, std::uint64_t length,
                             const ChunkSink& sink) override;
  Result<BlobStat> stat(std::string_view key) override;
  Result<void> remove(std::string_view key) override;
  Result<void> list(std::string_view prefix, const EntryVisitor& visit) override;
  Result<std::size_t> remove_abandoned_writes(Clock::time_point cutoff) override;

  /// Where the blob of a (valid) key lives; for tests and operators.
  std::filesystem::path path_of(std::string_view key) const;

 private:
  explicit FileBlobStore(std::filesystem::path root);

  const std::filesystem::path root_;
  const std::filesystem::path objects_;
  const std::filesystem::path tmp_;
};

}  // namespace talkline::blob
