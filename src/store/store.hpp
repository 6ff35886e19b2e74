#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <vector>

#include "model/conversation.hpp"
#include "model/message.hpp"
#include "model/session.hpp"
#include "model/attachment.hpp"
#include "model/user.hpp"
#include "util/result.hpp"

namespace talkline::store {

using model::Id;
using model::Millis;
using model::Seq;

/// Position in a list of conversations ordered by last activity, newest first.
struct ActivityCursor {
  Millis last_activity_at = 0;
  Id conversation_id = 0;
};

/// Durable state of TalkLine. Every method blocks until its work is done and is safe
/// to call from many threads at once; callers on network threads must hand calls to a
/// worker pool (the HTTP server runs every handler on one). A write returns only after it has committed,
/// so a successful result is durable. Errors: `not_found` for absent rows,
/// `conflict` for uniqueness violations, `unavailable` when the engine cannot serve.
class Store {
 public:
  virtual ~Store() = default;

  /// Succeeds when the store can serve reads and writes.
  virtual Result<void> ping() = 0;

  // ---- users -------------------------------------------------------------------

  /// Inserts a user. `conflict` when the (lower-case) username is taken.
  virtual Result<model::User> user_insert(const model::NewUser& user) = 0;
  virtual Result<model::User> user_get(Id user_id) = 0;
  /// Looks a user up by lower-case username, with the password hash.
  virtual Result<model::UserCredentials> user_get_credentials(const std::string& username) = 0;
  /// Applies the present fields of `patch` and returns the updated user.
  virtual Result<model::User> user_update_profile(Id user_id, const model::ProfilePatch& patch) = 0;
  virtual Result<model::User> user_set_role(Id user_id, model::Role role) = 0;
  /// Suspends the user from `at`, or lifts the suspension when `at` is empty, and returns
  /// the user. Suspending a suspended user keeps the time of the first suspension. Only
  /// banned_at changes: the user's login sessions stay as they are (user_sessions_revoke
  /// ends them).
  virtual Result<model::User> user_set_suspended(Id user_id, std::optional<Millis> at) = 0;
  /// Records when each user was last seen (last connected anywhere), all in one write:
  /// many users go offline together when a network drops or a node dies. Never moves
  /// last_seen_at backwards: the later of the stored time and `at` is kept, so a late or
  /// repeated announcement from another node (or a user listed twice) cannot rewind it.
  /// Unknown users are skipped, so a user deleted meanwhile does not fail the others.
  virtual Result<void> users_touch_last_seen(const std::vector<model::LastSeen>& seen) = 0;
  /// Users whose username starts with `prefix`, ordered by username, after `after_username`.
  virtual Result<std::vector<model::User>> user_search_prefix(const std::string& prefix,
                                                              const std::optional<std::string>& after_username,
                                                              int limit) = 0;
  /// All users ordered by id, after `after_id`.
  virtual Result<std::vector<model::User>> user_list(std::optional<Id> after_id, int limit) = 0;

  // ---- refresh tokens (login sessions) -------------------------------------------

  virtual Result<void> refresh_token_insert(const model::RefreshToken& token) = 0;
  virtual Result<model::RefreshToken> refresh_token_get_by_hash(const std::string& token_hash) = 0;
  /// Atomically marks `old_token_id` used and inserts `replacement`. Returns false and
  /// changes nothing when the old token was already used or revoked (a reuse).
  virtual Result<bool> refresh_token_rotate(Id old_token_id, const model::RefreshToken& replacement, Millis now) = 0;
  /// Revokes every token of a login session. Idempotent.
  virtual Result<void> session_revoke(Id family_id, Millis now) = 0;
  /// Revokes every login session of the user and returns the ids of those it ended, each
  /// once; sessions revoked before are not among them, so a second call returns none.
  virtual Result<std::vector<Id>> user_sessions_revoke(Id user_id, Millis now) = 0;
  /// True while the login session has not been revoked.
  virtual Result<bool> session_is_active(Id family_id) = 0;
  /// Of `family_ids`, the login sessions that are not active (revoked, or never issued),
  /// in one read however many are asked about.
  virtual Result<std::vector<Id>> sessions_inactive(const std::vector<Id>& family_ids) = 0;
  /// Of `user_ids`, the accounts that may not be used: banned, or not there at all.
  virtual Result<std::vector<Id>> users_locked_out(const std::vector<Id>& user_ids) = 0;

  // ---- conversations and members --------------------------------------------------

  /// Returns the direct conversation of the pair, creating it if needed (`created`
  /// tells which). Both users must exist.
  struct DirectOutcome {
    model::Conversation conversation;
    bool created = false;
  };
  virtual Result<DirectOutcome> conversation_create_direct(const model::NewDirectConversation& c) = 0;
  /// Creates a group; the creator becomes owner. Every member id must exist.
  virtual Result<model::Conversation> conversation_create_group(const model::NewGroupConversation& c) = 0;
  /// The conversation with its members.
  virtual Result<model::Conversation> conversation_get(Id conversation_id) = 0;
  /// Conversations of `user_id`, most recent activity first, each with its last
  /// message and the user's unread count, strictly after `after`.
  virtual Result<std::vector<model::ConversationSummary>> conversation_list_for_user(
      Id user_id, const std::optional<ActivityCursor>& after, int limit) = 0;
  virtual Result<model::Conversation> conversation_rename(Id conversation_id, const std::string& title, Millis now) = 0;

  /// `not_found` when the user is not a member.
  virtual Result<model::Member> member_get(Id conversation_id, Id user_id) = 0;
  /// Adds users who are not yet members (others are left as they are) and returns the
  /// conversation. Every id must be an existing user. `invalid_argument` (field
  /// "userIds"), with nothing added, when the group would then hold more than
  /// `max_members`; checked inside the write, so concurrent adds cannot overshoot.
  virtual Result<model::Conversation> member_add(Id conversation_id, const std::vector<Id>& user_ids, Millis now,
                                                 int max_members) = 0;
  /// Removes a member. When the owner leaves, the longest-standing remaining member
  /// becomes owner.
  virtual Result<void> member_remove(Id conversation_id, Id user_id, Millis now) = 0;
  /// Gives a member other than the owner another role and returns the conversation;
  /// `not_found` "member not found" when the user is not a member, `forbidden` "the
  /// owner's role cannot change" for the owner (checked in the write). Checking who may
  /// is the caller's business.
  virtual Result<model::Conversation> member_set_role(Id conversation_id, Id user_id, model::MemberRole role) = 0;
  /// Moves a member's delivered or read cursor forward to `move.seq`; never backwards.
  /// Moving `read` also moves `delivered` up to it. The delivered change cursor becomes
  /// the highest of its value, the change_seq of the message at the new delivered_seq and
  /// `move.change_seq`. `invalid_argument` past last_seq or past last_change_seq.
  /// Returns at once: `done` runs on the store's own thread once the move has committed
  /// (or failed), with the member after it and, if delivered_seq or read_seq moved
  /// (`moved`: others are told), the members the commit saw. `done` must not wait for the
  /// store.
  virtual void member_cursor_advance_async(Id conversation_id, Id user_id, const model::CursorMove& move,
                                           std::function<void(Result<model::CursorAdvance>)> done) = 0;
  /// member_cursor_advance_async, waited for; the member after the move.
  Result<model::Member> member_cursor_advance(Id conversation_id, Id user_id, const model::CursorMove& move) {
    std::promise<Result<model::CursorAdvance>> answer;
    auto outcome = answer.get_future();
    member_cursor_advance_async(conversation_id, user_id, move, [&answer](Result<model::CursorAdvance> advance) {
      answer.set_value(std::move(advance));
    });
    TL_TRY_ASSIGN(model::CursorAdvance advance, outcome.get());
    return std::move(advance.member);
  }
  Result<model::Member> member_cursor_advance(Id conversation_id, Id user_id, model::CursorKind kind, Seq seq) {
    return member_cursor_advance(conversation_id, user_id, model::CursorMove{kind, seq, 0});
  }

  // ---- messages -------------------------------------------------------------------

  /// Commits a message with seq = last_seq + 1 and advances the sender's cursors to it.
  /// A second call with the same (sender, client_msg_id) returns the first message with
  /// created = false and writes nothing. `not_found` when the sender is not a member;
  /// `conflict` when the client_msg_id was used for a different conversation, body,
  /// reply_to or list of attachments; a retry is recognised before membership is
  /// checked, so a sender removed after sending still gets their original answer;
  /// `invalid_argument` when reply_to is not a message of the conversation.
  /// attachment_ids are attached in the same commit, in their order: `invalid_argument`
  /// on "attachmentIds" when one is not an upload of the sender (absent or another
  /// user's: the answer does not tell which), `conflict` when one is already attached to
  /// a message; nothing is written then. The checks run in this order, and the first that
  /// fails answers: retry, membership, reply target, attachments.
  virtual Result<model::SendOutcome> message_insert(const model::NewMessage& message) = 0;
  /// message_insert without waiting: `done` gets the same outcome. A store that returns
  /// true from completes_in_commit_order() calls `done` for each conversation on one
  /// thread in commit order, so the outcomes of one conversation arrive in seq order
  /// (different conversations may complete on different threads, in any order relative to
  /// each other); the default runs the insert and `done` right here, on the caller's thread.
  virtual void message_insert_async(const model::NewMessage& message,
                                    std::function<void(Result<model::SendOutcome>)> done) {
    done(message_insert(message));
  }
  virtual bool completes_in_commit_order() const { return false; }
  /// True when other processes (other nodes) write to the same data, so nothing read
  /// from it may be cached on the strength of this process's own writes alone.
  virtual bool shared_between_nodes() const { return false; }
  /// Edits or deletes a message, or adds or removes one reaction of the actor, and records
  /// the change as the conversation's next change_seq, taken under the same lock as seq,
  /// so the feed is gap-free across nodes. Checks, in this order:
  /// - a retry (same actor and non-empty client_change_id) returns the first outcome with
  ///   created = false, or `conflict` "clientChangeId was already used for a different
  ///   change" when that key was used for another message, kind, edit body or emoji;
  /// - `not_found` "conversation not found" when the actor is not a member;
  /// - `not_found` "message not found" when message_id is not a message of the conversation;
  /// - edit: `forbidden` unless the actor sent it; `conflict` when it was deleted;
  ///   `forbidden` when older than edit_window;
  /// - delete: `forbidden` unless the actor sent it, is owner or admin of a group, or is
  ///   a site admin; a message already deleted returns its deletion with created = false.
  /// - pinned / unpinned: `forbidden` unless the actor is owner or admin of a group, a
  ///   member of a direct conversation, or a site admin; `conflict` "the message was
  ///   deleted" on a tombstone; pinning a pinned message returns its latest `pinned`
  ///   change with created = false, unpinning one not pinned its latest `unpinned` change,
  ///   or `not_found` "pin not found" when there is none; a pin past max_pins pinned
  ///   messages is `conflict`.
  /// - reacted / unreacted: `conflict` "the message was deleted" on a tombstone; adding a
  ///   reaction the actor already has returns their latest `reacted` change of it with
  ///   created = false; so does removing one they do not have with their latest
  ///   `unreacted` change, or `not_found` "reaction not found" when there is none; a new
  ///   emoji past max_reactions different ones is `invalid_argument` on "emoji".
  /// An edit sets body and edited_at; a delete empties the body, sets deleted_at, removes
  /// the reactions and the pin and keeps the row. The search index follows in the same commit. Every
  /// message a store returns carries its reactions (counts, `me` unset). Completes like
  /// message_insert_async: on the store's thread, in commit order per conversation when
  /// completes_in_commit_order().
  virtual void message_change_async(const model::MessageChange& change,
                                    std::function<void(Result<model::ChangeOutcome>)> done) = 0;
  /// message_change_async, waited for.
  Result<model::ChangeOutcome> message_change(const model::MessageChange& change) {
    std::promise<Result<model::ChangeOutcome>> answer;
    auto outcome = answer.get_future();
    message_change_async(change, [&answer](Result<model::ChangeOutcome> result) { answer.set_value(std::move(result)); });
    return outcome.get();
  }
  /// The conversation's changes with change_seq above `after`, ascending, at most `limit`:
  /// every new message, edit, delete and reaction, each with the message as it is now.
  virtual Result<std::vector<model::Change>> change_list(Id conversation_id, Seq after, int limit) = 0;
  /// The reactions `user_id` has on the messages at `seqs` of the conversation, in no
  /// particular order: what a view read for that user marks as `me`.
  virtual Result<std::vector<model::ReactionMark>> reactions_of_user(Id user_id, Id conversation_id,
                                                                     const std::vector<Seq>& seqs) = 0;
  /// How many messages with seq above `after_seq` mention `user_id` (a deleted message
  /// mentions nobody). Mentions are resolved in the commit that sends or edits a message:
  /// the members named by the body's `@username`s (NewMessage::mention_names) at that commit.
  virtual Result<Seq> mention_count(Id conversation_id, Id user_id, Seq after_seq) = 0;
  /// The conversation's pinned messages, the latest pin first.
  virtual Result<std::vector<model::Pin>> pin_list(Id conversation_id) = 0;

  // ---- retention ---------------------------------------------------------------------

  /// Sets how many days the conversation keeps its messages (nullopt: as the server's
  /// retention says) and returns the conversation. Setting the value it has writes
  /// nothing. `not_found` "conversation not found" for an unknown one. Checking who may,
  /// and the range, is the caller's business.
  virtual Result<model::Conversation> conversation_set_retention(Id conversation_id, std::optional<int> days) = 0;
  /// Ids above `after_id`, ascending, at most `limit`, of the conversations with a message
  /// the sweep has to look at: the first one past what earlier sweeps went through is older
  /// than the conversation's effective retention (model::effective_retention) at `now`.
  /// A read; it may be a little behind concurrent writes.
  virtual Result<std::vector<Id>> conversations_due_for_expiry(Millis now, Millis default_retention, Id after_id,
                                                               int limit) = 0;
  /// Expires the conversation's old messages in one transaction, queued behind its sends and
  /// changes like message_change_async: in seq order from where the last sweep stopped, it
  /// looks at up to `limit` messages and turns each older than the effective retention
  /// (read under the conversation's write lock) into a tombstone exactly as a delete does
  /// (body and search entry erased, reactions and pin removed, seq kept), each recorded as a
  /// `deleted` change with no actor (expired = true). It stops at the first message that is
  /// not old enough. Messages deleted already are passed over, so running it again, or on
  /// two nodes at once, expires nothing twice. Completes like message_change_async.
  /// Warning: a message is expired only once every message before it is old enough too;
  /// with clocks that disagree (several nodes) a message may outlive its time by that skew.
  virtual void message_expire_async(const model::ExpiryRequest& request,
                                    std::function<void(Result<model::ExpiryOutcome>)> done) = 0;
  /// message_expire_async, waited for.
  Result<model::ExpiryOutcome> message_expire(const model::ExpiryRequest& request) {
    std::promise<Result<model::ExpiryOutcome>> answer;
    auto outcome = answer.get_future();
    message_expire_async(request, [&answer](Result<model::ExpiryOutcome> result) { answer.set_value(std::move(result)); });
    return outcome.get();
  }

  /// Messages in ascending seq order: the `limit` just before `before`, the `limit` just
  /// after `after`, or (with neither) the latest `limit`.
  virtual Result<std::vector<model::Message>> message_list(Id conversation_id, std::optional<Seq> before,
                                                           std::optional<Seq> after, int limit) = 0;
  /// Full-text search over conversations `user_id` belongs to, newest first, for
  /// messages with id below `before_id`. `terms` are plain words, all required.
  virtual Result<std::vector<model::Message>> message_search(Id user_id, const std::vector<std::string>& terms,
                                                             std::optional<Id> conversation_id,
                                                             std::optional<Id> before_id, int limit) = 0;

  // ---- uploads ------------------------------------------------------------------------
  //
  // An upload row names a blob of the BlobStore. Whatever removes a row (the sweep, a
  // message deleted or erased by any path, even a row of messages removed outright) queues
  // its blobs in the same commit on a list of blobs to free, which a background job drains
  // after the commit (blob_release_list / blob_release_done): a blob is never freed while
  // a committed row still names it, and a crash after the commit frees it later.

  /// Records an upload (unattached) and adds its size to the uploader's usage of the hour
  /// that holds its `created_at`. `payload_too_large` when the usage since `quota_since`
  /// (upload_bytes_since) plus this one would pass `quota_bytes` (checked in the write, so
  /// concurrent uploads cannot overshoot; 0: no quota).
  virtual Result<model::Upload> upload_insert(const model::Upload& upload, Millis quota_since,
                                              std::uint64_t quota_bytes) = 0;
  /// The upload, attached or not; `not_found` "upload not found".
  virtual Result<model::Upload> upload_get(Id upload_id) = 0;
  /// Bytes `uploader_id` uploaded at or after `since`, whatever became of the uploads
  /// since (attached, deleted, swept). Usage is kept by the hour, so the whole hour that
  /// holds `since` counts: a byte counts for between 24 and 25 hours of a 24-hour window.
  virtual Result<std::uint64_t> upload_bytes_since(Id uploader_id, Millis since) = 0;
  /// Forgets up to `limit` hours of usage that ended at or before `before`, oldest first;
  /// returns how many. Usage since `before` is kept whole.
  virtual Result<int> upload_usage_prune(Millis before, int limit) = 0;
  /// Removes up to `limit` uploads never attached and created before `created_before`,
  /// oldest first, and queues their blobs to free; returns how many were removed.
  virtual Result<int> upload_sweep(Millis created_before, int limit) = 0;
  /// Up to `limit` blob keys waiting to be freed that sort after `after_key`, in key order
  /// ("": from the first), so a pass can page past keys whose removal failed. Several
  /// nodes may be handed the same keys: removing a blob is idempotent.
  virtual Result<std::vector<std::string>> blob_release_list(const std::string& after_key, int limit) = 0;
  /// Forgets keys whose blobs were removed.
  virtual Result<void> blob_release_done(const std::vector<std::string>& blob_keys) = 0;
};

}  // namespace talkline::store
