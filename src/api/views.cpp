#include "api/views.hpp"

#include "util/time.hpp"

namespace talkline::api {

util::Json id_json(model::Id id) { return std::to_string(id); }

util::Json optional_id_json(const std::optional<model::Id>& id) {
  return id ? util::Json(std::to_string(*id)) : util::Json(nullptr);
}

util::Json time_json(const std::optional<model::Millis>& ms) {
  return ms ? util::Json(util::format_rfc3339(*ms)) : util::Json(nullptr);
}

util::Json user_json(const model::User& user) {
  return {{"id", id_json(user.id)},
          {"username", user.username},
          {"displayName", user.display_name},
          {"bio", user.bio},
          {"avatarUrl", user.avatar_url.empty() ? util::Json(nullptr) : util::Json(user.avatar_url)},
          {"role", model::role_name(user.role)},
          {"createdAt", util::format_rfc3339(user.created_at)},
          {"lastSeenAt", time_json(user.last_seen_at)}};
}

util::Json member_json(const model::Member& member) {
  return {{"userId", id_json(member.user_id)},
          {"role", model::member_role_name(member.role)},
          {"joinedAt", util::format_rfc3339(member.joined_at)},
          {"deliveredSeq", member.delivered_seq},
          {"readSeq", member.read_seq}};
}

util::Json conversation_json(const model::Conversation& conversation) {
  util::Json members = util::Json::array();
  for (const auto& member : conversation.members) members.push_back(member_json(member));
  return {{"id", id_json(conversation.id)},
          {"type", model::conversation_kind_name(conversation.kind)},
          {"title",
           conversation.kind == model::ConversationKind::direct ? util::Json(nullptr) : util::Json(conversation.title)},
          {"createdBy", id_json(conversation.created_by)},
          {"members", std::move(members)},
          {"lastSeq", conversation.last_seq},
          {"createdAt", util::format_rfc3339(conversation.created_at)},
          {"lastActivityAt", util::format_rfc3339(conversation.last_activity_at)}};
}

util::Json conversation_summary_json(const model::ConversationSummary& summary) {
  auto json = conversation_json(summary.conversation);
  json["lastMessage"] = summary.last_message ? message_json(*summary.last_message) : util::Json(nullptr);
  json["unreadCount"] = summary.unread_count;
  return json;
}

util::Json message_json(const model::Message& message) {
  return {{"id", id_json(message.id)},
          {"conversationId", id_json(message.conversation_id)},
          {"seq", message.seq},
          {"senderId", id_json(message.sender_id)},
          {"clientMsgId", message.client_msg_id},
          {"body", message.body},
          {"replyTo", optional_id_json(message.reply_to)},
          {"createdAt", util::format_rfc3339(message.created_at)},
          {"editedAt", time_json(message.edited_at)}};
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

}  // namespace

// Keys in the order a Json object (a sorted map) dumps them, so both forms are the same bytes.
std::string message_wire(const model::Message& message) {
  std::string out;
  out.reserve(200 + message.body.size() + message.client_msg_id.size());
  out += "{\"body\":";
  util::append_json_string(out, message.body);
  out += ",\"clientMsgId\":";
  util::append_json_string(out, message.client_msg_id);
  out += ",\"conversationId\":";
  append_id(out, message.conversation_id);
  out += ",\"createdAt\":";
  append_time(out, message.created_at);
  out += ",\"editedAt\":";
  append_time(out, message.edited_at);
  out += ",\"id\":";
  append_id(out, message.id);
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

}  // namespace talkline::api
