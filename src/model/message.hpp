#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/attachment.hpp"
#include "model/types.hpp"

namespace talkline::model {

/// One emoji's reactions to a message.
struct Reaction {
  std::string emoji;
  int count = 0;
  /// Whether the user a view was read for is among them; unset where a view is shared by
  /// every member (live events, catch-up), which carry the reacting user instead.
  std::optional<bool> me;
};

/// What a reply shows of the message it answers, read with the reply: the target as it
/// is now, so its edits and its deletion show on every later read.
struct ReplyPreview {
  Id id = 0;
  Seq seq = 0;
  Id sender_id = 0;
  /// The target's body as the store holds it; the service cuts it to its first
  /// reply_preview_chars code points (cut_reply_preview) and sets `truncated`. Empty once
  /// the target is deleted.
  std::string body;
  bool truncated = false;
  bool deleted = false;
};

struct Message {
  Id id = 0;
  Id conversation_id = 0;
  Seq seq = 0;
  Id sender_id = 0;
  std::string client_msg_id;
  std::string body;  // byte-exact as sent
  std::optional<Id> reply_to;
  Millis created_at = 0;
  std::optional<Millis> edited_at;
  /// Where the message's creation stands in its conversation's change feed.
  Seq change_seq = 0;
  /// Set once deleted: the message is then a tombstone with an empty body that keeps its
  /// seq, so histories stay gap-free.
  std::optional<Millis> deleted_at;
  /// Ordered by the earliest reaction each emoji has now.
  std::vector<Reaction> reactions;
  /// The uploads sent with it, in the order the sender listed them; a delete removes them.
  std::vector<Attachment> attachments;
  /// The members the body mentions (see mentioned_usernames), ascending; resolved when the
  /// message was sent or last edited, so a member who joined later is not among them.
  std::vector<Id> mentions;
  /// Set when reply_to is.
  std::optional<ReplyPreview> reply_preview;
};

struct NewMessage {
  Id id = 0;  // used only if this is not a retry
  Id conversation_id = 0;
  Id sender_id = 0;
  std::string client_msg_id;
  std::string body;
  std::optional<Id> reply_to;
  Millis created_at = 0;
  /// Uploads of the sender to attach, in this order; each is attached to one message only.
  std::vector<Id> attachment_ids;
  /// The lower-case usernames the body mentions (mentioned_usernames); the store resolves
  /// them to the conversation's members in the commit.
  std::vector<std::string> mention_names;
};

/// Outcome of a send: the stored message and whether this call created it
/// (false when a retry with the same clientMsgId found the original).
struct SendOutcome {
  Message message;
  bool created = false;
  /// The conversation's members as the commit saw them, for a new message, when the
  /// store reads them in the same transaction (empty otherwise).
  std::vector<Id> member_ids;
};

/// What a change did to its message. `created` is the message itself; the others are
/// rows of their own in the conversation's change feed. `reacted` and `unreacted` add and
/// remove one user's reaction with one emoji; `pinned` and `unpinned` pin a message to its
/// conversation and take it off.
enum class ChangeKind { created, edited, deleted, reacted, unreacted, pinned, unpinned };
/// Whether the change adds or removes a reaction (and so names an emoji).
inline bool is_reaction(ChangeKind kind) { return kind == ChangeKind::reacted || kind == ChangeKind::unreacted; }
/// Whether the change pins or unpins a message.
inline bool is_pin(ChangeKind kind) { return kind == ChangeKind::pinned || kind == ChangeKind::unpinned; }
std::string_view change_kind_name(ChangeKind kind);
std::optional<ChangeKind> change_kind_from_name(std::string_view name);

/// One entry of a conversation's change feed. The feed numbers every change of the
/// conversation (a new message, an edit, a delete) 1, 2, 3… without gaps, in commit
/// order. `message` is the message as it is now, not as the change left it: a feed read
/// after a delete shows the tombstone at every entry of that message, so an erased body
/// is never handed out again.
struct Change {
  Id conversation_id = 0;
  Seq change_seq = 0;
  ChangeKind kind = ChangeKind::created;
  /// Who made the change; 0 for a deletion by the retention sweep (`expired`).
  Id actor_id = 0;
  /// A `deleted` change made by the retention sweep rather than by a user.
  bool expired = false;
  Millis at = 0;
  Message message;
  /// The emoji of a reaction change; empty for the others.
  std::string emoji;
};

/// A change asked of an existing message (edit, delete, reaction added or removed).
struct MessageChange {
  ChangeKind kind = ChangeKind::edited;  // anything but created
  Id conversation_id = 0;
  Id message_id = 0;
  Id actor_id = 0;
  /// The new body of an edit; unused by a delete.
  std::string body;
  /// The usernames the new body of an edit mentions; they replace the message's mentions.
  std::vector<std::string> mention_names;
  /// The client's idempotency key, unique per actor; empty for none.
  std::string client_change_id;
  Millis at = 0;
  /// An edit is refused once the message is older than this (ms); 0 for no limit.
  Millis edit_window = 0;
  /// A site admin may delete any message of a conversation they belong to.
  bool actor_is_site_admin = false;
  /// The emoji of a reaction change.
  std::string emoji;
  /// A reaction with an emoji the message does not have yet is refused once the message
  /// has this many different ones; 0 for no limit.
  int max_reactions = 0;
  /// A pin is refused once the conversation has this many pinned messages; 0 for no limit.
  int max_pins = 0;
  /// A deletion by the retention sweep: no actor (actor_id 0) and no rights to check.
  bool expired = false;
};

/// One bounded pass of the retention sweep over one conversation: its messages older
/// than its retention become tombstones, oldest first, at most `limit` of them looked at.
struct ExpiryRequest {
  Id conversation_id = 0;
  Millis now = 0;
  /// The server's retention (TALKLINE_RETENTION_DAYS) in ms; 0 keeps messages forever
  /// where no conversation override applies.
  Millis default_retention = 0;
  int limit = 0;
};

/// What one ExpiryRequest did: a `deleted` change (expired = true) for each message it
/// turned into a tombstone, in change_seq order, and the conversation's members at that
/// commit; `more` when it stopped at `limit` with older messages possibly left.
struct ExpiryOutcome {
  std::vector<Change> changes;
  std::vector<Id> member_ids;
  bool more = false;
};

/// A message pinned to its conversation.
struct Pin {
  Message message;
  Id pinned_by = 0;
  Millis pinned_at = 0;
};

/// That `user` reacted to the message at `seq` with `emoji`.
struct ReactionMark {
  Seq seq = 0;
  std::string emoji;
};

/// Outcome of a MessageChange: the change as recorded and whether this call recorded
/// it (false for a retry with the same client_change_id, or a delete of a message
/// already deleted: `change` is then the earlier change).
struct ChangeOutcome {
  Change change;
  bool created = false;
  /// The conversation's members as the commit saw them, when created.
  std::vector<Id> member_ids;
};

/// A full-text search hit.
struct SearchHit {
  Message message;
};

enum class CursorKind { delivered, read };

}  // namespace talkline::model
