#include "jobs/event_log_publisher.hpp"

#include <string>

#include "util/json.hpp"
#include "wire/scalar_json.hpp"

namespace talkline::jobs {

void EventLogPublisher::message_created(const model::Message& message, const std::vector<model::Id>& member_ids,
                                        std::string_view /*origin_connection*/) {
  util::Json members = util::Json::array();
  for (const auto id : member_ids) members.push_back(wire::id_json(id));
  const util::Json payload{{"conversationId", wire::id_json(message.conversation_id)},
                           {"seq", message.seq},
                           {"messageId", wire::id_json(message.id)},
                           {"senderId", wire::id_json(message.sender_id)},
                           {"memberIds", std::move(members)}};
  log_.append({"", std::string(kMessageCreated), util::dump_json(payload)});
}

}  // namespace talkline::jobs
