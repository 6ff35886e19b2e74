#pragma once

#include <string_view>
#include <vector>

#include "model/conversation.hpp"
#include "model/message.hpp"
#include "model/types.hpp"

namespace talkline::services {

/// Hears about committed changes that connected clients must learn of at once. The
/// services call it after the store has committed, on the calling (worker) thread;
/// implementations must be quick and must not call back into the services.
class EventPublisher {
 public:
  virtual ~EventPublisher() = default;

  /// A new message (never a retried one). `origin_connection` is the real-time
  /// connection it was sent through (empty over HTTP): that one gets the ack instead.
  virtual void message_created(const model::Message& message, const std::vector<model::Id>& member_ids,
                               std::string_view origin_connection) = 0;
  /// A message was edited or deleted (never a retried change). `origin_connection` as
  /// for message_created.
  virtual void message_changed(const model::Change& change, const std::vector<model::Id>& member_ids,
                               std::string_view origin_connection) = 0;
  /// A member's delivered or read cursor moved forward.
  virtual void cursor_moved(const model::Member& member, model::CursorKind kind,
                            const std::vector<model::Id>& member_ids, model::Millis at) = 0;
  /// Title or membership changed, or the conversation was created. Its members hear
  /// it, and so do `also_notify` (a member who was just removed).
  virtual void conversation_changed(const model::Conversation& conversation,
                                    const std::vector<model::Id>& also_notify) = 0;
  /// A login session ended (logout, revoked refresh family): its sockets must close.
  virtual void session_ended(model::Id user_id, model::Id session_id) = 0;
};

/// The ids of a conversation's members, for the publisher calls above.
std::vector<model::Id> member_ids_of(const model::Conversation& conversation);

}  // namespace talkline::services
