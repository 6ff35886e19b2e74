#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/types.hpp"

namespace talkline::model {

/// A small JPEG made from an uploaded image, stored as a blob of its own.
struct Thumbnail {
  std::string blob_key;  // never leaves the server
  std::uint64_t size = 0;
  int width = 0;
  int height = 0;
};

/// The media type of every thumbnail.
inline constexpr std::string_view kThumbnailContentType = "image/jpeg";

/// An uploaded file, attached to at most one message. Until then only its uploader can
/// see it, and the sweep removes it once it is older than the unattached TTL.
struct Upload {
  Id id = 0;
  Id uploader_id = 0;
  std::uint64_t size = 0;
  std::string content_type;  // as stored: the declared type once it matched the bytes
  std::string sha256;        // lower-case hex of the whole content
  std::string blob_key;      // where the bytes are (never leaves the server)
  std::string file_name;     // as the client named it, made safe (may be empty)
  Millis created_at = 0;
  /// The message it is attached to, by the message's primary key; unset while unattached.
  std::optional<Id> conversation_id;
  std::optional<Seq> message_seq;
  std::optional<Thumbnail> thumbnail;
};

/// An upload as a message view shows it, in the order the sender listed them.
struct Attachment {
  Id id = 0;
  std::string name;
  std::uint64_t size = 0;
  std::string content_type;
  std::string sha256;
  std::optional<Thumbnail> thumbnail;
};

Attachment attachment_of(const Upload& upload);

/// What a message is, by its attachments: `text` without any, `media` when every one is
/// an image, audio or video, `file` otherwise.
enum class MessageKind { text, media, file };
std::string_view message_kind_name(MessageKind kind);
MessageKind message_kind_of(const std::vector<Attachment>& attachments);
/// Whether a media type is an image, audio or video one.
bool is_media_type(std::string_view content_type);

}  // namespace talkline::model
