#include "jobs/event_log_publisher.hpp"

#include <string>

#include "util/json.hpp"
#include "util/time.hpp"

namespace talkline::jobs {

namespace {

util::Json id_json(model::Id id) { return std::to_string(id); }

util::Json message_json(const model::Message& message) {
  return {{"id", id_json(message.id)},
          {"conversationId", id_json(message.conversation_id)},
          {"seq", message.seq},
          {"senderId", id_json(message.sender_id)},
          {"clientMsgId", message.client_msg_id},
          {"body", message.body},
          {"replyTo", message.reply_to ? id_json(*message.reply_to) : util::Json(nullptr)},
          {"createdAt", util::format_rfc3339(message.created_at)},
          {"editedAt", message.edited_at ? util::Json(util::format_rfc3339(*message.edited_at)) : util::Json(nullptr)}};
}

}  // namespace

void EventLogPublisher::message_created(const model::Message& message, const std::vector<model::Id>& member_ids,
                                        std::string_view /*origin_connection*/) {
  util::Json members = util::Json::array();
  for (const auto id : member_ids) members.push_back(id_json(id));
  const util::Json payload{{"conversationId", id_json(message.conversation_id)},
                           {"seq", message.seq},
                           {"messageId", id_json(message.id)},
                           {"senderId", id_json(message.sender_id)},
                           {"memberIds", std::move(members)},
                           {"message", message_json(message)}};
  log_.append({"", std::string(kMessageCreated), util::dump_json(payload)});
}

}  // namespace talkline::jobs
