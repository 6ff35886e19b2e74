#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/attachment.hpp"
#include "model/message.hpp"
#include "util/result.hpp"

// What a send may attach, and when a retried send names the same attachments: the rules
// both backends apply inside the send's commit (Store::message_insert).

namespace talkline::store {

/// An upload's thumbnail as its row's four nullable columns.
struct ThumbnailColumns {
  std::optional<std::string> key;
  std::optional<std::int64_t> size, width, height;
};

inline ThumbnailColumns thumbnail_columns(const model::Upload& upload) {
  ThumbnailColumns columns;
  if (upload.thumbnail) {
    columns.key = upload.thumbnail->blob_key;
    columns.size = static_cast<std::int64_t>(upload.thumbnail->size);
    columns.width = upload.thumbnail->width;
    columns.height = upload.thumbnail->height;
  }
  return columns;
}

/// Ok when every upload `message` names is among `found`, is the sender's and is not
/// attached yet. An upload that is absent and one of another user get the same answer,
/// so nobody learns which upload ids exist.
inline Result<void> check_attachable(const std::vector<model::Upload>& found, const model::NewMessage& message) {
  for (model::Id id : message.attachment_ids) {
    auto upload = std::find_if(found.begin(), found.end(), [id](const model::Upload& u) { return u.id == id; });
    if (upload == found.end() || upload->uploader_id != message.sender_id) {
      return Error::invalid("attachmentIds", "upload " + std::to_string(id) + " is not an upload of yours");
    }
    if (upload->conversation_id) {
      return Error::conflict("upload " + std::to_string(id) + " is already attached to a message");
    }
  }
  return ok_result();
}

/// Whether a retried send names the attachments the original has, in the same order. A
/// deleted message has none left to compare, so any list is taken as the same, as its
/// erased body is.
inline bool same_attachments(const model::Message& earlier, const std::vector<model::Id>& attachment_ids) {
  if (earlier.deleted_at) return true;
  if (earlier.attachments.size() != attachment_ids.size()) return false;
  for (std::size_t i = 0; i < attachment_ids.size(); ++i) {
    if (earlier.attachments[i].id != attachment_ids[i]) return false;
  }
  return true;
}

/// The daily quota counts uploads by the hour (migration 0008): the bucket an upload at
/// `at` adds its bytes to starts at the hour that holds it.
inline constexpr model::Millis kUsageBucketMs = 3600LL * 1000;
inline model::Millis usage_bucket_of(model::Millis at) { return at - at % kUsageBucketMs; }

/// The error for an upload that would pass the uploader's daily quota.
inline Error quota_exceeded(std::uint64_t quota_bytes) {
  return Error{ErrorCode::payload_too_large,
               "the upload would pass your quota of " + std::to_string(quota_bytes) + " bytes a day",
               {},
               0};
}

}  // namespace talkline::store
