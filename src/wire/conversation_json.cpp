#include "wire/conversation_json.hpp"

#include "util/time.hpp"
#include "wire/message_json.hpp"
#include "wire/scalar_json.hpp"

namespace talkline::wire {

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
          {"lastChangeSeq", conversation.last_change_seq},
          {"retentionDays",
           conversation.retention_days ? util::Json(*conversation.retention_days) : util::Json(nullptr)},
          {"createdAt", util::format_rfc3339(conversation.created_at)},
          {"lastActivityAt", util::format_rfc3339(conversation.last_activity_at)}};
}

util::Json conversation_summary_json(const model::ConversationSummary& summary) {
  auto json = conversation_json(summary.conversation);
  json["lastMessage"] = summary.last_message ? message_json(*summary.last_message) : util::Json(nullptr);
  json["unreadCount"] = summary.unread_count;
  json["mentionCount"] = summary.mention_count;
  return json;
}

}  // namespace talkline::wire
