#include "services/publisher_fanout.hpp"

namespace talkline::services {

void PublisherFanout::message_created(const model::Message& message, const std::vector<model::Id>& member_ids,
                                      std::string_view origin_connection) {
  for (auto* target : targets_) target->message_created(message, member_ids, origin_connection);
}

void PublisherFanout::message_changed(const model::Change& change, const std::vector<model::Id>& member_ids,
                                      std::string_view origin_connection) {
  for (auto* target : targets_) target->message_changed(change, member_ids, origin_connection);
}

void PublisherFanout::cursor_moved(const model::Member& member, model::CursorKind kind,
                                   const std::vector<model::Id>& member_ids, model::Millis at) {
  for (auto* target : targets_) target->cursor_moved(member, kind, member_ids, at);
}

void PublisherFanout::conversation_changed(const model::Conversation& conversation,
                                           const std::vector<model::Id>& also_notify) {
  for (auto* target : targets_) target->conversation_changed(conversation, also_notify);
}

void PublisherFanout::session_ended(model::Id user_id, model::Id session_id) {
  for (auto* target : targets_) target->session_ended(user_id, session_id);
}

}  // namespace talkline::services
