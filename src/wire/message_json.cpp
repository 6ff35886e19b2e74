#include "wire/message_json.hpp"

#include "util/time.hpp"
#include "wire/scalar_json.hpp"

namespace talkline::wire {

util::Json reactions_json(const std::vector<model::Reaction>& reactions) {
  util::Json list = util::Json::array();
  for (const auto& reaction : reactions) {
    util::Json entry{{"emoji", reaction.emoji}, {"count", reaction.count}};
    if (reaction.me) entry["me"] = *reaction.me;
    list.push_back(std::move(entry));
  }
  return list;
}

util::Json attachment_json(const model::Attachment& attachment) {
  const std::string url = "/api/v1/attachments/" + std::to_string(attachment.id);
  util::Json thumbnail = nullptr;
  if (attachment.thumbnail) {
    thumbnail = {{"url", url + "/thumbnail"},
                 {"contentType", std::string(model::kThumbnailContentType)},
                 {"size", attachment.thumbnail->size},
                 {"width", attachment.thumbnail->width},
                 {"height", attachment.thumbnail->height}};
  }
  return {{"id", id_json(attachment.id)},
          {"name", attachment.name},
          {"size", attachment.size},
          {"contentType", attachment.content_type},
          {"sha256", attachment.sha256},
          {"url", url},
          {"thumbnail", std::move(thumbnail)}};
}

namespace {

util::Json attachments_json(const std::vector<model::Attachment>& attachments) {
  util::Json list = util::Json::array();
  for (const auto& attachment : attachments) list.push_back(attachment_json(attachment));
  return list;
}

util::Json mentions_json(const std::vector<model::Id>& mentions) {
  util::Json list = util::Json::array();
  for (const model::Id user_id : mentions) list.push_back(id_json(user_id));
  return list;
}

// A target whose row is gone has no seq or sender to show.
util::Json reply_preview_json(const std::optional<model::ReplyPreview>& preview) {
  if (!preview) return nullptr;
  const bool known = preview->seq > 0;
  return {{"id", id_json(preview->id)},
          {"seq", known ? util::Json(preview->seq) : util::Json(nullptr)},
          {"senderId", known ? id_json(preview->sender_id) : util::Json(nullptr)},
          {"body", preview->deleted ? util::Json(nullptr) : util::Json(preview->body)},
          {"truncated", preview->truncated},
          {"deleted", preview->deleted}};
}

}  // namespace

util::Json message_json(const model::Message& message) {
  return {{"id", id_json(message.id)},
          {"kind", std::string(model::message_kind_name(model::message_kind_of(message.attachments)))},
          {"attachments", attachments_json(message.attachments)},
          {"conversationId", id_json(message.conversation_id)},
          {"seq", message.seq},
          {"senderId", id_json(message.sender_id)},
          {"clientMsgId", message.client_msg_id},
          {"body", message.body},
          {"replyTo", optional_id_json(message.reply_to)},
          {"createdAt", util::format_rfc3339(message.created_at)},
          {"editedAt", time_json(message.edited_at)},
          {"changeSeq", message.change_seq},
          {"deletedAt", time_json(message.deleted_at)},
          {"reactions", reactions_json(message.reactions)},
          {"mentions", mentions_json(message.mentions)},
          {"replyPreview", reply_preview_json(message.reply_preview)}};
}

util::Json change_json(const model::Change& change) {
  return {{"conversationId", id_json(change.conversation_id)},
          {"changeSeq", change.change_seq},
          {"type", std::string(model::change_kind_name(change.kind))},
          {"actorId", change.expired ? util::Json(nullptr) : id_json(change.actor_id)},
          {"reason", change.expired ? util::Json("expired") : util::Json(nullptr)},
          {"at", util::format_rfc3339(change.at)},
          {"emoji", model::is_reaction(change.kind) && !change.emoji.empty() ? util::Json(change.emoji)
                                                                               : util::Json(nullptr)},
          {"message", message_json(change.message)}};
}

util::Json pin_json(const model::Pin& pin) {
  return {{"message", message_json(pin.message)},
          {"pinnedBy", id_json(pin.pinned_by)},
          {"pinnedAt", util::format_rfc3339(pin.pinned_at)}};
}

namespace {

void append_id(std::string& out, model::Id id) {
  out.push_back('"');
  out += std::to_string(id);
  out.push_back('"');
}

void append_time(std::string& out, const std::optional<model::Millis>& ms) {
  if (ms) {
    out.push_back('"');
    out += util::format_rfc3339(*ms);
    out.push_back('"');
  } else {
    out += "null";
  }
}

// Keys sorted, as in reply_preview_json.
void append_reply_preview(std::string& out, const std::optional<model::ReplyPreview>& preview) {
  if (!preview) {
    out += "null";
    return;
  }
  const bool known = preview->seq > 0;
  out += "{\"body\":";
  if (preview->deleted) {
    out += "null";
  } else {
    util::append_json_string(out, preview->body);
  }
  out += preview->deleted ? ",\"deleted\":true" : ",\"deleted\":false";
  out += ",\"id\":";
  append_id(out, preview->id);
  out += ",\"senderId\":";
  if (known) {
    append_id(out, preview->sender_id);
  } else {
    out += "null";
  }
  out += ",\"seq\":";
  out += known ? std::to_string(preview->seq) : "null";
  out += preview->truncated ? ",\"truncated\":true}" : ",\"truncated\":false}";
}

}  // namespace

// Keys in the order a Json object (a sorted map) dumps them, so both forms are the same bytes.
std::string message_wire(const model::Message& message) {
  std::string out;
  out.reserve(220 + message.body.size() + message.client_msg_id.size() +
              (message.reply_preview ? 120 + message.reply_preview->body.size() : 0));
  // Attachments are rare on the hot path and few per message: the tree is fine for them.
  out += "{\"attachments\":";
  out += message.attachments.empty() ? std::string("[]") : util::dump_json(attachments_json(message.attachments));
  out += ",\"body\":";
  util::append_json_string(out, message.body);
  out += ",\"changeSeq\":";
  out += std::to_string(message.change_seq);
  out += ",\"clientMsgId\":";
  util::append_json_string(out, message.client_msg_id);
  out += ",\"conversationId\":";
  append_id(out, message.conversation_id);
  out += ",\"createdAt\":";
  append_time(out, message.created_at);
  out += ",\"deletedAt\":";
  append_time(out, message.deleted_at);
  out += ",\"editedAt\":";
  append_time(out, message.edited_at);
  out += ",\"id\":";
  append_id(out, message.id);
  out += ",\"kind\":\"";
  out += model::message_kind_name(model::message_kind_of(message.attachments));
  out.push_back('"');
  out += ",\"mentions\":[";
  for (std::size_t i = 0; i < message.mentions.size(); ++i) {
    if (i > 0) out.push_back(',');
    append_id(out, message.mentions[i]);
  }
  out += "]";
  out += ",\"reactions\":[";
  for (std::size_t i = 0; i < message.reactions.size(); ++i) {
    const auto& reaction = message.reactions[i];
    if (i > 0) out.push_back(',');
    out += "{\"count\":";
    out += std::to_string(reaction.count);
    out += ",\"emoji\":";
    util::append_json_string(out, reaction.emoji);
    if (reaction.me) out += *reaction.me ? ",\"me\":true" : ",\"me\":false";
    out.push_back('}');
  }
  out += "]";
  out += ",\"replyPreview\":";
  append_reply_preview(out, message.reply_preview);
  out += ",\"replyTo\":";
  if (message.reply_to) {
    append_id(out, *message.reply_to);
  } else {
    out += "null";
  }
  out += ",\"senderId\":";
  append_id(out, message.sender_id);
  out += ",\"seq\":";
  out += std::to_string(message.seq);
  out.push_back('}');
  return out;
}

}  // namespace talkline::wire
