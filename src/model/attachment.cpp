#include "model/attachment.hpp"

#include <algorithm>

namespace talkline::model {

Attachment attachment_of(const Upload& upload) {
  return Attachment{upload.id, upload.file_name, upload.size, upload.content_type, upload.sha256, upload.thumbnail};
}

std::string_view message_kind_name(MessageKind kind) {
  switch (kind) {
    case MessageKind::text: return "text";
    case MessageKind::media: return "media";
    case MessageKind::file: return "file";
  }
  return "text";
}

bool is_media_type(std::string_view content_type) {
  return content_type.starts_with("image/") || content_type.starts_with("audio/") ||
         content_type.starts_with("video/");
}

MessageKind message_kind_of(const std::vector<Attachment>& attachments) {
  if (attachments.empty()) return MessageKind::text;
  const bool all_media = std::all_of(attachments.begin(), attachments.end(),
                                     [](const Attachment& attachment) { return is_media_type(attachment.content_type); });
  return all_media ? MessageKind::media : MessageKind::file;
}

}  // namespace talkline::model
