#pragma once

#include "bus/bus.hpp"
#include "services/event_publisher.hpp"

namespace talkline::realtime {

/// Turns the services' committed changes into bus envelopes with the server events of
/// docs/protocol.md, "Server → client events": message:new, receipt, conversation:updated,
/// and session ends.
class BusPublisher final : public services::EventPublisher {
 public:
  explicit BusPublisher(bus::Bus& bus) : bus_(bus) {}

  void message_created(const model::Message& message, const std::vector<model::Id>& member_ids,
                       std::string_view origin_connection) override;
  void message_changed(const model::Change& change, const std::vector<model::Id>& member_ids,
                       std::string_view origin_connection) override;
  void cursor_moved(const model::Member& member, model::CursorKind kind, const std::vector<model::Id>& member_ids,
                    model::Millis at) override;
  void conversation_changed(const model::Conversation& conversation,
                            const std::vector<model::Id>& also_notify) override;
  void session_ended(model::Id user_id, model::Id session_id) override;

 private:
  bus::Bus& bus_;
};

}  // namespace talkline::realtime
