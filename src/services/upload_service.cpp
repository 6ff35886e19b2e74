#include "services/upload_service.hpp"

#include <algorithm>
#include <utility>

#include "util/log.hpp"

namespace talkline::services {

namespace {

constexpr model::Millis kQuotaWindowMs = std::chrono::milliseconds(kUploadQuotaWindow).count();

// The types libvips reads that a browser shows inline too: thumbnails are for those.
bool has_thumbnail_kind(std::string_view content_type) {
  return content_type == "image/png" || content_type == "image/jpeg" || content_type == "image/gif" ||
         content_type == "image/webp";
}

void remove_quietly(blob::BlobStore& blobs, const std::string& key) {
  if (auto removed = blobs.remove(key); !removed.ok()) {
    // The sweep cannot find a blob no row names: say which one is left behind.
    util::log::warn("upload.blob_left_behind",
                    {{"key", std::string_view(key)}, {"error", std::string_view(removed.error().message)}});
  }
}

}  // namespace

std::string upload_blob_key(model::Id upload_id) { return "u/" + std::to_string(upload_id); }
std::string thumbnail_blob_key(model::Id upload_id) { return "t/" + std::to_string(upload_id); }

/// The one UploadWriter: appends go straight to a BlobWriter (which hashes as it writes).
class StreamingUpload final : public UploadWriter {
 public:
  StreamingUpload(UploadService& service, model::Upload upload, std::unique_ptr<blob::BlobWriter> writer)
      : service_(service), upload_(std::move(upload)), writer_(std::move(writer)) {}

  Result<void> append(std::string_view chunk) override {
    if (!writer_) return Error::internal("upload already finished");
    return writer_->append(chunk);
  }

  Result<model::Upload> finish() override {
    if (!writer_) return Error::internal("upload already finished");
    auto writer = std::move(writer_);
    TL_TRY_ASSIGN(blob::BlobInfo stored, writer->finish());
    if (stored.size == 0) {
      remove_quietly(service_.blobs_, upload_.blob_key);
      return Error::invalid("body", "the upload is empty");
    }
    upload_.size = stored.size;
    upload_.sha256 = stored.sha256_hex;
    upload_.thumbnail = make_thumbnail();
    auto recorded = service_.store_.upload_insert(upload_, service_.clock_.now_ms() - kQuotaWindowMs,
                                                  service_.settings_.bytes_per_user_per_day);
    if (!recorded.ok()) {
      remove_quietly(service_.blobs_, upload_.blob_key);
      if (upload_.thumbnail) remove_quietly(service_.blobs_, upload_.thumbnail->blob_key);
    }
    return recorded;
  }

 private:
  // A thumbnail is a nicety: whatever goes wrong is logged and the upload goes on without.
  std::optional<model::Thumbnail> make_thumbnail() {
    if (!service_.thumbnails_ || !has_thumbnail_kind(upload_.content_type)) return std::nullopt;
    std::string image;
    image.reserve(upload_.size);
    auto read = service_.blobs_.read(upload_.blob_key, 0, blob::kToEnd, [&image](std::string_view chunk) {
      image.append(chunk);
      return true;
    });
    if (!read.ok()) return skipped(read.error());
    auto made = service_.thumbnails_->make(image);
    if (!made.ok()) return skipped(made.error());
    const std::string key = thumbnail_blob_key(upload_.id);
    auto writer = service_.blobs_.open_writer(key);
    if (!writer.ok()) return skipped(writer.error());
    if (auto appended = (*writer)->append(made->jpeg); !appended.ok()) return skipped(appended.error());
    auto stored = (*writer)->finish();
    if (!stored.ok()) return skipped(stored.error());
    return model::Thumbnail{key, stored->size, made->width, made->height};
  }

  std::optional<model::Thumbnail> skipped(const Error& error) {
    util::log::info("upload.no_thumbnail", {{"upload_id", upload_.id},
                                            {"content_type", std::string_view(upload_.content_type)},
                                            {"reason", std::string_view(error.message)}});
    return std::nullopt;
  }

  UploadService& service_;
  model::Upload upload_;
  std::unique_ptr<blob::BlobWriter> writer_;  // aborts on destruction when unfinished
};

UploadService::UploadService(store::Store& store, blob::BlobStore& blobs, Thumbnailer* thumbnails,
                             util::IdGenerator& ids, const util::Clock& clock, UploadSettings settings)
    : store_(store), blobs_(blobs), thumbnails_(thumbnails), ids_(ids), clock_(clock), settings_(std::move(settings)) {}

Result<void> UploadService::admit(const Principal& caller, std::optional<std::uint64_t> declared_length) {
  if (settings_.bytes_per_user_per_day == 0) return ok_result();
  TL_TRY_ASSIGN(std::uint64_t used, store_.upload_bytes_since(caller.user_id, clock_.now_ms() - kQuotaWindowMs));
  if (used + declared_length.value_or(1) > settings_.bytes_per_user_per_day) {
    return Error{ErrorCode::payload_too_large,
                 "the upload would pass your quota of " + std::to_string(settings_.bytes_per_user_per_day) +
                     " bytes a day",
                 {},
                 0};
  }
  return ok_result();
}

Result<std::unique_ptr<UploadWriter>> UploadService::start(const Principal& caller, std::string content_type,
                                                           std::string file_name) {
  const auto& allowed = settings_.allowed_types;
  if (std::find(allowed.begin(), allowed.end(), content_type) == allowed.end()) {
    return Error{ErrorCode::unsupported_media, "uploads of type " + content_type + " are not accepted", {}, 0};
  }
  model::Upload upload;
  upload.id = ids_.next();
  upload.uploader_id = caller.user_id;
  upload.content_type = std::move(content_type);
  upload.blob_key = upload_blob_key(upload.id);
  upload.file_name = std::move(file_name);
  upload.created_at = clock_.now_ms();
  TL_TRY_ASSIGN(auto writer, blobs_.open_writer(upload.blob_key));
  return std::unique_ptr<UploadWriter>(std::make_unique<StreamingUpload>(*this, std::move(upload), std::move(writer)));
}

Result<model::Upload> UploadService::visible_upload(const Principal& caller, model::Id upload_id) {
  auto upload = store_.upload_get(upload_id);
  if (!upload.ok()) return upload.take_error();
  if (!upload->conversation_id) {
    if (upload->uploader_id == caller.user_id) return upload;
    return Error::not_found("upload not found");
  }
  auto member = store_.member_get(*upload->conversation_id, caller.user_id);
  if (member.ok()) return upload;
  if (member.error().code == ErrorCode::not_found) return Error::not_found("upload not found");
  return member.take_error();
}

}  // namespace talkline::services
