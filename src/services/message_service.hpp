#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string_view>

#include "model/message.hpp"
#include "services/conversation_service.hpp"
#include "services/event_publisher.hpp"
#include "services/limits.hpp"
#include "services/principal.hpp"
#include "store/store.hpp"
#include "util/clock.hpp"
#include "util/id_generator.hpp"

namespace talkline::services {

struct SendRequest {
  model::Id conversation_id = 0;
  std::string client_msg_id;
  std::string body;
  std::optional<model::Id> reply_to;
  /// The sender's uploads to attach, in this order; with any, the body may be empty.
  std::vector<model::Id> attachment_ids;
};

/// An edit asked for by a client: the new body, and an optional idempotency key.
struct EditRequest {
  model::Id conversation_id = 0;
  model::Id message_id = 0;
  std::string body;
  std::optional<std::string> client_change_id;
};

/// A delete asked for by a client, with an optional idempotency key.
struct DeleteRequest {
  model::Id conversation_id = 0;
  model::Id message_id = 0;
  std::optional<std::string> client_change_id;
};

/// A reaction added or removed by a client, with an optional idempotency key.
struct ReactionRequest {
  model::Id conversation_id = 0;
  model::Id message_id = 0;
  std::string emoji;
  std::optional<std::string> client_change_id;
};

/// A message pinned or unpinned by a client, with an optional idempotency key.
struct PinRequest {
  model::Id conversation_id = 0;
  model::Id message_id = 0;
  std::optional<std::string> client_change_id;
};

/// Sending, editing and deleting, history, the change feed, read cursors and search.
class MessageService {
 public:
  MessageService(store::Store& store, ConversationService& conversations, util::IdGenerator& ids,
                 const util::Clock& clock, DomainLimits limits)
      : store_(store), conversations_(conversations), ids_(ids), clock_(clock), limits_(limits) {}

  /// Where new messages and cursor moves are announced; none by default.
  void publish_to(EventPublisher* events) { events_ = events; }

  /// Commits the message and returns it; it is durable when this returns. A retry with
  /// the same clientMsgId returns the original with created = false, and is not
  /// announced again.
  Result<model::SendOutcome> send(const Principal& caller, const SendRequest& request);
  using SendDone = std::function<void(Result<model::SendOutcome>)>;
  /// send() without waiting for the commit: `done` gets the outcome once the message is
  /// durable and announced (at once for a request that fails validation). With a store
  /// that completes in commit order, `done` runs on the store's writer thread and must
  /// not block; sends of one caller made in some order complete in that order.
  void send_async(const Principal& caller, const SendRequest& request, SendDone done);
  /// Whether send_async returns before the commit (the store queues it and completes it
  /// later) rather than blocking the calling thread through it.
  bool sends_complete_later() const { return store_.completes_in_commit_order(); }
  using ChangeDone = std::function<void(Result<model::ChangeOutcome>)>;
  /// Edits a message (its author only, within the edit window) without waiting for the
  /// commit: `done` gets the change once it is durable and announced, on the store's
  /// thread (at once for a request that fails validation). A retry with the same
  /// clientChangeId returns the first change with created = false and is not announced.
  void edit_async(const Principal& caller, const EditRequest& request, ChangeDone done);
  /// Deletes a message (its author, an owner or admin of the group, or a site admin) the
  /// same way: the body is erased and a tombstone keeps the seq. Deleting a deleted
  /// message returns the first deletion with created = false.
  void delete_async(const Principal& caller, const DeleteRequest& request, ChangeDone done);
  /// Adds (`add`) or removes the caller's reaction the same way. Adding one the caller
  /// has already, or removing one they have not, returns their latest change that made
  /// it so with created = false.
  void react_async(const Principal& caller, const ReactionRequest& request, bool add, ChangeDone done);
  /// Pins (`pin`) or unpins a message the same way: a group's owner and admins, either
  /// member of a direct conversation, or a site admin. Pinning a pinned message, or
  /// unpinning one that is not, returns the latest change that made it so.
  void pin_async(const Principal& caller, const PinRequest& request, bool pin, ChangeDone done);
  /// edit_async / delete_async / react_async, waited for.
  Result<model::ChangeOutcome> edit(const Principal& caller, const EditRequest& request);
  Result<model::ChangeOutcome> remove(const Principal& caller, const DeleteRequest& request);
  Result<model::ChangeOutcome> react(const Principal& caller, const ReactionRequest& request, bool add);
  Result<model::ChangeOutcome> pin(const Principal& caller, const PinRequest& request, bool pin);
  /// The conversation's pinned messages, the latest pin first. Members only.
  Result<std::vector<model::Pin>> pins(const Principal& caller, model::Id conversation_id);
  /// A page of the conversation's change feed after the change_seq `after` ("0" or
  /// absent: from the start), ascending; next_cursor is the last change_seq of a full page.
  Result<model::Page<model::Change>> changes(const Principal& caller, model::Id conversation_id,
                                             std::optional<std::string_view> after,
                                             std::optional<std::string_view> limit);
  /// Up to `limit` (at most one more than page_max_limit) changes after `after_change`,
  /// ascending. Members only.
  Result<std::vector<model::Change>> changes_after(const Principal& caller, model::Id conversation_id,
                                                   model::Seq after_change, int limit);
  /// The change_seq of the caller's delivered cursor in the conversation. Members only.
  Result<model::Seq> delivered_change_seq(const Principal& caller, model::Id conversation_id);
  /// A page of history in ascending seq. `before` pages towards older messages, `after`
  /// towards newer ones; with neither, the latest page. next_cursor continues in the
  /// same direction.
  Result<model::Page<model::Message>> history(const Principal& caller, model::Id conversation_id,
                                              std::optional<std::string_view> before,
                                              std::optional<std::string_view> after,
                                              std::optional<std::string_view> limit);
  /// Up to `limit` (at most one more than page_max_limit) messages with seq above
  /// `after_seq`, ascending: what a client that has seen everything up to `after_seq`
  /// is missing. Members only.
  Result<std::vector<model::Message>> messages_after(const Principal& caller, model::Id conversation_id,
                                                     model::Seq after_seq, int limit);
  /// Moves the caller's read cursor forward (never back) and returns the membership.
  Result<model::Member> mark_read(const Principal& caller, model::Id conversation_id, model::Seq seq);
  /// Moves the caller's delivered cursor forward (never back).
  Result<model::Member> mark_delivered(const Principal& caller, model::Id conversation_id, model::Seq seq);
  using CursorDone = std::function<void(Result<model::Member>)>;
  /// mark_read / mark_delivered without waiting for the commit, and with the change
  /// cursor (model::CursorMove): `done` runs on the store's thread once the move has
  /// committed, after the other members were told.
  void move_cursor_async(const Principal& caller, model::Id conversation_id, const model::CursorMove& move,
                         CursorDone done);
  /// Messages matching every word of `query`, newest first, in the caller's conversations.
  Result<model::Page<model::Message>> search(const Principal& caller, std::string_view query,
                                             std::optional<std::string_view> conversation_id,
                                             std::optional<std::string_view> cursor,
                                             std::optional<std::string_view> limit);

 private:
  void announce(const Result<model::SendOutcome>& outcome, const std::string& skip_connection);
  void change_async(const Principal& caller, model::MessageChange change,
                    const std::optional<std::string>& client_change_id, ChangeDone done);
  Result<model::Member> move_cursor(const Principal& caller, model::Id conversation_id, model::CursorKind kind,
                                    model::Seq seq);
  /// Sets `me` on the reactions of messages read for the caller.
  Result<void> mark_my_reactions(const Principal& caller, const std::vector<model::Message*>& messages);
  Result<void> mark_my_reactions(const Principal& caller, std::vector<model::Message>& messages);

  store::Store& store_;
  EventPublisher* events_ = nullptr;
  ConversationService& conversations_;
  util::IdGenerator& ids_;
  const util::Clock& clock_;
  DomainLimits limits_;
};

}  // namespace talkline::services
