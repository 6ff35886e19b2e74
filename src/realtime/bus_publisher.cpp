#include "realtime/bus_publisher.hpp"

#include "realtime/events.hpp"
#include "realtime/feed_events.hpp"
#include "wire/conversation_json.hpp"
#include "wire/message_json.hpp"
#include "wire/scalar_json.hpp"

namespace talkline::realtime {

void BusPublisher::message_created(const model::Message& message, const std::vector<model::Id>& member_ids,
                                   std::string_view origin_connection) {
  bus::Envelope envelope;
  envelope.user_ids = member_ids;
  envelope.event = std::string(events::message_new);
  envelope.payload_json = wire::message_wire(message);
  envelope.skip_connection = std::string(origin_connection);
  envelope.conversation_id = message.conversation_id;
  envelope.change_seq = message.change_seq;
  bus_.publish(envelope);
}

void BusPublisher::message_changed(const model::Change& change, const std::vector<model::Id>& member_ids,
                                   std::string_view origin_connection) {
  bus::Envelope envelope;
  envelope.user_ids = member_ids;
  envelope.event = std::string(feed_event_name(change.kind));
  envelope.payload_json = util::dump_json(wire::change_json(change));
  envelope.skip_connection = std::string(origin_connection);
  envelope.conversation_id = change.conversation_id;
  envelope.change_seq = change.change_seq;
  bus_.publish(envelope);
}

void BusPublisher::cursor_moved(const model::Member& member, model::CursorKind kind,
                                const std::vector<model::Id>& member_ids, model::Millis at) {
  const bool read = kind == model::CursorKind::read;
  util::Json receipt = {{"conversationId", wire::id_json(member.conversation_id)},
                        {"userId", wire::id_json(member.user_id)},
                        {"type", read ? "read" : "delivered"},
                        {"seq", read ? member.read_seq : member.delivered_seq},
                        {"at", wire::time_json(at)}};
  bus::Envelope envelope;
  envelope.user_ids = member_ids;
  envelope.event = std::string(events::receipt);
  envelope.payload_json = util::dump_json(receipt);
  envelope.conversation_id = member.conversation_id;
  bus_.publish(envelope);
}

void BusPublisher::conversation_changed(const model::Conversation& conversation,
                                        const std::vector<model::Id>& also_notify) {
  bus::Envelope envelope;
  envelope.user_ids = services::member_ids_of(conversation);
  envelope.user_ids.insert(envelope.user_ids.end(), also_notify.begin(), also_notify.end());
  envelope.event = std::string(events::conversation_updated);
  envelope.payload_json = util::dump_json(wire::conversation_json(conversation));
  envelope.conversation_id = conversation.id;
  bus_.publish(envelope);
}

void BusPublisher::session_ended(model::Id user_id, model::Id session_id) {
  bus::Envelope envelope;
  envelope.user_ids = {user_id};
  envelope.end_session_id = session_id;
  bus_.publish(envelope);
}

}  // namespace talkline::realtime
