#include "services/event_publisher.hpp"

namespace talkline::services {

std::vector<model::Id> member_ids_of(const model::Conversation& conversation) {
  std::vector<model::Id> ids;
  ids.reserve(conversation.members.size());
  for (const auto& member : conversation.members) ids.push_back(member.user_id);
  return ids;
}

}  // namespace talkline::services
