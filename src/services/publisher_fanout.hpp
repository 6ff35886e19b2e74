#pragma once

#include <vector>

#include "services/event_publisher.hpp"

namespace talkline::services {

/// Hands every change to several publishers, in the order they were added (the bus
/// first, so live delivery never waits behind anything else).
class PublisherFanout final : public EventPublisher {
 public:
  PublisherFanout() = default;
  explicit PublisherFanout(std::vector<EventPublisher*> targets) : targets_(std::move(targets)) {}

  /// Not thread-safe: add every target before the services start publishing.
  void add(EventPublisher* target) {
    if (target != nullptr) targets_.push_back(target);
  }

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
  std::vector<EventPublisher*> targets_;
};

}  // namespace talkline::services
