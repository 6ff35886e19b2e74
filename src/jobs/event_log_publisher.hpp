#pragma once

#include "jobs/event_log.hpp"
#include "services/event_publisher.hpp"

namespace talkline::jobs {

/// The event-log type of a committed new message.
inline constexpr std::string_view kMessageCreated = "message.created";

/// Feeds the event log from the services: each new message becomes a "message.created"
/// event whose payload is
///
///   {"conversationId", "seq", "messageId", "senderId", "memberIds": [...]}
///
/// (ids as strings, as everywhere on the wire). No text: the log outlives a delete (it
/// is trimmed by length only), so a job reads the message as it is when it needs it.
/// Edits and deletes need no event of their own for that reason. Only encodes and
/// queues: safe under the services' ordering locks.
class EventLogPublisher final : public services::EventPublisher {
 public:
  explicit EventLogPublisher(EventLog& log) : log_(log) {}

  void message_created(const model::Message& message, const std::vector<model::Id>& member_ids,
                       std::string_view origin_connection) override;
  void message_changed(const model::Change&, const std::vector<model::Id>&, std::string_view) override {}
  void cursor_moved(const model::Member&, model::CursorKind, const std::vector<model::Id>&, model::Millis) override {}
  void conversation_changed(const model::Conversation&, const std::vector<model::Id>&) override {}
  void session_ended(model::Id, model::Id) override {}

 private:
  EventLog& log_;
};

}  // namespace talkline::jobs
