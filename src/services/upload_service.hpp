#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "blob/blob_store.hpp"
#include "model/attachment.hpp"
#include "services/principal.hpp"
#include "services/thumbnailer.hpp"
#include "store/store.hpp"
#include "util/clock.hpp"
#include "util/id_generator.hpp"

namespace talkline::services {

/// The daily quota counts what a user uploaded in this long before an upload.
inline constexpr std::chrono::hours kUploadQuotaWindow{24};

struct UploadSettings {
  std::uint64_t max_bytes = std::uint64_t{25} << 20;
  std::uint64_t bytes_per_user_per_day = std::uint64_t{1} << 30;  // 0: no quota
  std::vector<std::string> allowed_types;                         // lower-case type/subtype
};

/// One upload being written: its bytes go to the BlobStore as they arrive, never held
/// whole; finish() records it. Destroying it unfinished leaves nothing behind.
/// Threads: blocking calls, one at a time, from the worker pool (never an event loop).
class UploadWriter {
 public:
  virtual ~UploadWriter() = default;
  virtual Result<void> append(std::string_view chunk) = 0;
  /// Stores the blob, makes a thumbnail of an image (a failed one is logged and left
  /// out), and records the upload under the uploader's quota; on any error the blobs
  /// written are removed again.
  virtual Result<model::Upload> finish() = 0;
};

/// Uploads: who may upload what, the daily quota, writing them, and who may read them.
/// Threads: every method blocks (store and blob calls) and may be called from any thread.
class UploadService {
 public:
  UploadService(store::Store& store, blob::BlobStore& blobs, Thumbnailer* thumbnails, util::IdGenerator& ids,
                const util::Clock& clock, UploadSettings settings);

  /// Checks what the request head tells, before a byte of the body is read: the
  /// declared length against the quota (`payload_too_large`). The caller has checked it
  /// against max_bytes.
  Result<void> admit(const Principal& caller, std::optional<std::uint64_t> declared_length);
  /// Starts writing an upload stored as `content_type` (already matched against the
  /// file's first bytes): `unsupported_media` when that type is not allowed.
  Result<std::unique_ptr<UploadWriter>> start(const Principal& caller, std::string content_type,
                                              std::string file_name);
  /// The upload if the caller may read it: a member of the conversation holding it, or
  /// its uploader while it is unattached. Everyone else, and a missing upload, get the
  /// same `not_found`.
  Result<model::Upload> visible_upload(const Principal& caller, model::Id upload_id);
  /// The blobs, to stream what visible_upload allowed.
  blob::BlobStore& blobs() { return blobs_; }

 private:
  friend class StreamingUpload;

  store::Store& store_;
  blob::BlobStore& blobs_;
  Thumbnailer* thumbnails_;
  util::IdGenerator& ids_;
  const util::Clock& clock_;
  UploadSettings settings_;
};

/// The blob key of an upload's bytes and of its thumbnail.
std::string upload_blob_key(model::Id upload_id);
std::string thumbnail_blob_key(model::Id upload_id);

}  // namespace talkline::services
