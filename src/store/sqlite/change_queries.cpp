#include "store/sqlite/change_queries.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "store/change_key.hpp"
#include "store/row_mappers.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/conversation_queries.hpp"
#include "store/sqlite/message_views.hpp"

namespace talkline::store::sqlite {

namespace {

// A message_changes row with its message as it is now, in the columns read_change_row()
// reads. Joined by the message's primary key, not its id: one lookup instead of two.
const std::string kChangeWithMessage =
    "SELECT c.change_seq, c.kind, c.actor_id, c.created_at,"
    " m.id, m.conversation_id, m.seq, m.sender_id, m.client_msg_id, m.body, m.reply_to, m.created_at, m.edited_at,"
    " m.change_seq, m.deleted_at, COALESCE(c.emoji, '')"
    " FROM message_changes c JOIN messages m ON m.conversation_id = c.conversation_id AND m.seq = c.message_seq";
// The emoji follows the message's columns.
constexpr int kEmojiColumn = 4 + kMessageColumnCount;
const std::string kChangeByNumber = kChangeWithMessage + " WHERE c.conversation_id = ? AND c.change_seq = ?";
const std::string kDeletionOfMessage =
    kChangeWithMessage + " WHERE c.conversation_id = ? AND c.message_seq = ? AND c.kind = 'deleted'";
const std::string kLatestReactionChange =
    kChangeWithMessage +
    " WHERE c.conversation_id = ? AND c.message_seq = ? AND c.kind = ? AND c.actor_id = ? AND c.emoji = ?"
    " ORDER BY c.change_seq DESC LIMIT 1";
const std::string kLatestPinChange = kChangeWithMessage +
                                     " WHERE c.conversation_id = ? AND c.message_seq = ? AND c.kind = ?"
                                     " ORDER BY c.change_seq DESC LIMIT 1";
const std::string kChangesAfter =
    kChangeWithMessage + " WHERE c.conversation_id = ? AND c.change_seq > ? ORDER BY c.change_seq LIMIT ?";

model::Change read_change_row(const Statement& row) {
  model::Change change;
  change.change_seq = row.int64(0);
  // The table's CHECK admits only names the model knows.
  change.kind = model::change_kind_from_name(row.text(1)).value_or(model::ChangeKind::edited);
  // Only the retention sweep records a change without an actor (migration 0007).
  const std::optional<std::int64_t> actor = row.optional_int64(2);
  change.actor_id = actor.value_or(0);
  change.expired = !actor;
  change.at = row.int64(3);
  change.message = read_message(row, 4);
  change.conversation_id = change.message.conversation_id;
  change.emoji = row.text(kEmojiColumn);
  return change;
}

/// A message's creation as its entry in the feed.
model::Change creation_of(model::Message message) {
  model::Change change;
  change.conversation_id = message.conversation_id;
  change.change_seq = message.change_seq;
  change.kind = model::ChangeKind::created;
  change.actor_id = message.sender_id;
  change.at = message.created_at;
  change.message = std::move(message);
  return change;
}

// The first row of `query`, with its message's views (reactions, mentions, reply preview).
Result<std::optional<model::Change>> find_one_change(Connection& db, Statement& query) {
  TL_TRY_ASSIGN(bool found, query.step());
  if (!found) return std::optional<model::Change>();
  model::Change change = read_change_row(query);
  TL_TRY(attach_views(db, std::vector<model::Message*>{&change.message}));
  return std::optional<model::Change>(std::move(change));
}

// The change first recorded under the actor's key, when this one is its retry; conflict
// when the key was used for another message, kind or body; nullopt when it is new.
Result<std::optional<model::ChangeOutcome>> recorded_under_key(Connection& db, const model::MessageChange& change) {
  TL_TRY_ASSIGN(Statement key, db.prepare("SELECT conversation_id, change_seq, message_id, kind, COALESCE(body_digest, '')"
                                          " FROM message_changes WHERE actor_id = ? AND client_change_id = ?"));
  key.bind_all(change.actor_id, change.client_change_id);
  TL_TRY_ASSIGN(bool found, key.step());
  if (!found) return std::optional<model::ChangeOutcome>();
  const auto kind = model::change_kind_from_name(key.text(3)).value_or(model::ChangeKind::edited);
  if (!repeats_recorded_change(key.int64(2), kind, key.text(4), change)) {
    return Error::conflict("clientChangeId was already used for a different change");
  }
  TL_TRY_ASSIGN(Statement query, db.prepare(kChangeByNumber));
  query.bind_all(key.int64(0), key.int64(1));
  TL_TRY_ASSIGN(std::optional<model::Change> earlier, find_one_change(db, query));
  if (!earlier) return Error::internal("a recorded change has no message");
  return std::optional<model::ChangeOutcome>(model::ChangeOutcome{std::move(*earlier), false, {}});
}

// What the actor is in the conversation: their role there and the conversation's kind;
// nullopt when they are not a member.
struct Standing {
  model::MemberRole role = model::MemberRole::member;
  bool in_group = false;
};

Result<std::optional<Standing>> standing_of(Connection& db, model::Id conversation_id, model::Id user_id) {
  TL_TRY_ASSIGN(Statement query, db.prepare("SELECT mb.role, c.kind FROM members mb"
                                            " JOIN conversations c ON c.id = mb.conversation_id"
                                            " WHERE mb.conversation_id = ? AND mb.user_id = ?"));
  query.bind_all(conversation_id, user_id);
  TL_TRY_ASSIGN(bool found, query.step());
  if (!found) return std::optional<Standing>();
  return std::optional<Standing>(Standing{
      model::member_role_from_name(query.text(0)).value_or(model::MemberRole::member), query.text(1) == "group"});
}

Result<std::optional<model::Message>> find_message_in(Connection& db, model::Id conversation_id, model::Id message_id) {
  TL_TRY_ASSIGN(
      Statement query,
      db.prepare("SELECT id, conversation_id, seq, sender_id, client_msg_id, body, reply_to, created_at, edited_at,"
                 " change_seq, deleted_at FROM messages WHERE id = ? AND conversation_id = ?"));
  query.bind_all(message_id, conversation_id);
  TL_TRY_ASSIGN(bool found, query.step());
  if (!found) return std::optional<model::Message>();
  return std::optional<model::Message>(read_message(query));
}

// Owner and admin are roles of a group; in a direct conversation they would let one of
// the two erase the other's words, so there only the sender and a site admin may.
bool may_delete(const model::MessageChange& change, const model::Message& message, const Standing& actor) {
  if (message.sender_id == change.actor_id || change.actor_is_site_admin) return true;
  return actor.in_group && (actor.role == model::MemberRole::owner || actor.role == model::MemberRole::admin);
}

// A reaction added that is there already, or removed that is not there, changes nothing:
// it is answered with the actor's latest change that made it so, or (a removal of a
// reaction never added) not_found. A new emoji past the message's limit is refused.
Result<std::optional<model::ChangeOutcome>> reaction_refusal_or_earlier(Connection& db,
                                                                        const model::MessageChange& change,
                                                                        const model::Message& message) {
  using Answer = std::optional<model::ChangeOutcome>;
  if (message.deleted_at) return Error::conflict("the message was deleted");
  TL_TRY_ASSIGN(Statement mine, db.prepare("SELECT 1 FROM message_reactions WHERE conversation_id = ?"
                                           " AND message_seq = ? AND emoji = ? AND user_id = ?"));
  mine.bind_all(message.conversation_id, message.seq, change.emoji, change.actor_id);
  TL_TRY_ASSIGN(const bool present, mine.step());
  const bool adding = change.kind == model::ChangeKind::reacted;
  if (adding != present) {
    if (adding && change.max_reactions > 0) {
      TL_TRY_ASSIGN(Statement kinds, db.prepare("SELECT count(DISTINCT emoji), count(*) FILTER (WHERE emoji = ?)"
                                                " FROM message_reactions WHERE conversation_id = ? AND message_seq = ?"));
      kinds.bind_all(change.emoji, message.conversation_id, message.seq);
      TL_TRY(kinds.step());
      if (kinds.int64(1) == 0 && kinds.int64(0) >= change.max_reactions) {
        return Error::invalid("emoji", "a message holds at most " + std::to_string(change.max_reactions) +
                                           " different reactions");
      }
    }
    return Answer();
  }
  TL_TRY_ASSIGN(Statement query, db.prepare(kLatestReactionChange));
  query.bind_all(message.conversation_id, message.seq, model::change_kind_name(change.kind), change.actor_id,
                 change.emoji);
  TL_TRY_ASSIGN(std::optional<model::Change> earlier, find_one_change(db, query));
  if (!earlier) {
    if (adding) return Error::internal("a reaction has no change that added it");
    return Error::not_found("reaction not found");
  }
  return Answer(model::ChangeOutcome{std::move(*earlier), false, {}});
}

// Pins are for a group's owner and admins (either member of a direct conversation, or a
// site admin). Pinning a pinned message, or unpinning one that is not, changes nothing:
// it is answered with the latest change that made it so, or (an unpin of a message never
// pinned) not_found.
Result<std::optional<model::ChangeOutcome>> pin_refusal_or_earlier(Connection& db, const model::MessageChange& change,
                                                                   const model::Message& message,
                                                                   const Standing& actor) {
  using Answer = std::optional<model::ChangeOutcome>;
  const bool moderates = !actor.in_group || actor.role == model::MemberRole::owner ||
                         actor.role == model::MemberRole::admin || change.actor_is_site_admin;
  if (!moderates) return Error::forbidden("only a group owner or admin can pin a message");
  if (message.deleted_at) return Error::conflict("the message was deleted");
  TL_TRY_ASSIGN(Statement pins, db.prepare("SELECT count(*), count(*) FILTER (WHERE message_seq = ?)"
                                           " FROM message_pins WHERE conversation_id = ?"));
  pins.bind_all(message.seq, message.conversation_id);
  TL_TRY(pins.step());
  const bool pinned = pins.int64(1) > 0;
  const bool pinning = change.kind == model::ChangeKind::pinned;
  if (pinning != pinned) {
    if (pinning && change.max_pins > 0 && pins.int64(0) >= change.max_pins) {
      return Error::conflict("a conversation holds at most " + std::to_string(change.max_pins) + " pinned messages");
    }
    return Answer();
  }
  TL_TRY_ASSIGN(Statement query, db.prepare(kLatestPinChange));
  query.bind_all(message.conversation_id, message.seq, model::change_kind_name(change.kind));
  TL_TRY_ASSIGN(std::optional<model::Change> earlier, find_one_change(db, query));
  if (!earlier) {
    if (pinning) return Error::internal("a pin has no change that made it");
    return Error::not_found("pin not found");
  }
  return Answer(model::ChangeOutcome{std::move(*earlier), false, {}});
}

// Checks a change in the contract's order, after the retry and membership checks: an
// error, or nullopt to go ahead. A delete of a message already deleted is answered here
// with that deletion.
Result<std::optional<model::ChangeOutcome>> refusal_or_earlier(Connection& db, const model::MessageChange& change,
                                                               const model::Message& message, const Standing& actor) {
  using Answer = std::optional<model::ChangeOutcome>;
  if (model::is_reaction(change.kind)) return reaction_refusal_or_earlier(db, change, message);
  if (model::is_pin(change.kind)) return pin_refusal_or_earlier(db, change, message, actor);
  if (change.kind == model::ChangeKind::edited) {
    if (message.sender_id != change.actor_id) return Error::forbidden("only the sender can edit a message");
    if (message.deleted_at) return Error::conflict("the message was deleted");
    if (change.edit_window > 0 && change.at - message.created_at > change.edit_window) {
      return Error::forbidden("the edit window has passed");
    }
    return Answer();
  }
  if (!may_delete(change, message, actor)) {
    return Error::forbidden("only the sender, a group owner or admin, or a site admin can delete a message");
  }
  if (!message.deleted_at) return Answer();
  TL_TRY_ASSIGN(Statement query, db.prepare(kDeletionOfMessage));
  query.bind_all(message.conversation_id, message.seq);
  TL_TRY_ASSIGN(std::optional<model::Change> deletion, find_one_change(db, query));
  if (!deletion) return Error::internal("a deleted message has no deletion");
  return Answer(model::ChangeOutcome{std::move(*deletion), false, {}});
}

struct ChangeNumbers {
  model::Seq change_seq = 0;
  model::Seq seq_before = 0;
};

// Takes the conversation's next change_seq under the row's write lock, like a send's seq.
Result<ChangeNumbers> take_next_change_seq(Connection& db, model::Id conversation_id) {
  TL_TRY_ASSIGN(Statement update, db.prepare("UPDATE conversations SET last_change_seq = last_change_seq + 1"
                                             " WHERE id = ? RETURNING last_change_seq, last_seq"));
  update.bind_all(conversation_id);
  TL_TRY_ASSIGN(bool updated, update.step());
  if (!updated) return Error::not_found("conversation not found");
  return ChangeNumbers{update.int64(0), update.int64(1)};
}

Result<void> insert_change_row(Connection& db, const model::MessageChange& change, const model::Message& message,
                               ChangeNumbers numbers) {
  TL_TRY_ASSIGN(Statement insert,
                db.prepare("INSERT INTO message_changes (conversation_id, change_seq, kind, message_id, message_seq,"
                           " actor_id, created_at, seq_before, client_change_id, body_digest, emoji)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  std::optional<std::string> client_change_id;
  if (!change.client_change_id.empty()) client_change_id = change.client_change_id;
  std::optional<std::string> emoji;
  if (model::is_reaction(change.kind)) emoji = change.emoji;
  std::optional<model::Id> actor;
  if (!change.expired) actor = change.actor_id;
  insert.bind_all(message.conversation_id, numbers.change_seq, model::change_kind_name(change.kind), message.id,
                  message.seq, actor, change.at, numbers.seq_before, client_change_id,
                  change_body_digest(change), emoji);
  return insert.run();
}

// The word index follows the body. A message sent earlier in this same transaction is
// only noted in messages_fts_pending (migration 0002) and is indexed from its row right
// before COMMIT, whatever the row says by then. An indexed one must have its terms taken
// out, which a contentless FTS5 table can do only when given the exact text it indexed.
// An edit's new body is then noted like a new message's, so it shares the commit's one
// index segment.
Result<void> follow_in_search_index(Connection& db, const model::Message& before, model::ChangeKind kind) {
  {
    TL_TRY_ASSIGN(Statement unnote, db.prepare("DELETE FROM messages_fts_pending WHERE id = ?"));
    unnote.bind_all(before.id);
    TL_TRY(unnote.run());
  }
  if (db.changes() == 0) {
    TL_TRY_ASSIGN(Statement unindex, db.prepare("INSERT INTO messages_fts (messages_fts, rowid, body, scope)"
                                                " VALUES ('delete', ?, ?, 'c' || ?)"));
    unindex.bind_all(before.id, before.body, before.conversation_id);
    TL_TRY(unindex.run());
  }
  if (kind != model::ChangeKind::edited) return ok_result();
  TL_TRY_ASSIGN(Statement note, db.prepare("INSERT INTO messages_fts_pending (id) VALUES (?)"));
  note.bind_all(before.id);
  return note.run();
}

// Adds or removes the actor's reaction; `change_seq` is the change doing it.
Result<void> update_reactions(Connection& db, const model::MessageChange& change, const model::Message& message,
                              model::Seq change_seq) {
  if (change.kind == model::ChangeKind::reacted) {
    TL_TRY_ASSIGN(Statement insert, db.prepare("INSERT INTO message_reactions (conversation_id, message_seq, emoji,"
                                               " user_id, created_at, change_seq) VALUES (?, ?, ?, ?, ?, ?)"));
    insert.bind_all(message.conversation_id, message.seq, change.emoji, change.actor_id, change.at, change_seq);
    return insert.run();
  }
  TL_TRY_ASSIGN(Statement remove, db.prepare("DELETE FROM message_reactions WHERE conversation_id = ?"
                                             " AND message_seq = ? AND emoji = ? AND user_id = ?"));
  remove.bind_all(message.conversation_id, message.seq, change.emoji, change.actor_id);
  return remove.run();
}

// Pins or unpins the message.
Result<void> update_pin(Connection& db, const model::MessageChange& change, const model::Message& message,
                        model::Seq change_seq) {
  if (change.kind == model::ChangeKind::pinned) {
    TL_TRY_ASSIGN(Statement insert, db.prepare("INSERT INTO message_pins (conversation_id, message_seq, pinned_by,"
                                               " pinned_at, change_seq) VALUES (?, ?, ?, ?, ?)"));
    insert.bind_all(message.conversation_id, message.seq, change.actor_id, change.at, change_seq);
    return insert.run();
  }
  TL_TRY_ASSIGN(Statement remove,
                db.prepare("DELETE FROM message_pins WHERE conversation_id = ? AND message_seq = ?"));
  remove.bind_all(message.conversation_id, message.seq);
  return remove.run();
}

// Applies the change to the message row and returns the message as it now is.
Result<model::Message> update_message(Connection& db, const model::MessageChange& change, model::Message message,
                                      model::Seq change_seq) {
  if (model::is_reaction(change.kind) || model::is_pin(change.kind)) {
    if (model::is_reaction(change.kind)) {
      TL_TRY(update_reactions(db, change, message, change_seq));
    } else {
      TL_TRY(update_pin(db, change, message, change_seq));
    }
    TL_TRY(attach_views(db, std::vector<model::Message*>{&message}));
    return message;
  }
  if (change.kind == model::ChangeKind::edited) {
    TL_TRY_ASSIGN(Statement update,
                  db.prepare("UPDATE messages SET body = ?, edited_at = ? WHERE conversation_id = ? AND seq = ?"));
    update.bind_all(change.body, change.at, message.conversation_id, message.seq);
    TL_TRY(update.run());
    message.body = change.body;
    message.edited_at = change.at;
    // The new body names whom it mentions now; a member named for the first time counts.
    TL_TRY(resolve_mentions(db, message.conversation_id, message.seq, change.mention_names));
    TL_TRY(attach_views(db, std::vector<model::Message*>{&message}));
    return message;
  }
  // A tombstone keeps nothing of what members added to the message either.
  // Its reaction entries in the feed keep who reacted, but no longer with what.
  for (const char* sql : {"DELETE FROM message_reactions WHERE conversation_id = ? AND message_seq = ?",
                          "DELETE FROM message_pins WHERE conversation_id = ? AND message_seq = ?",
                          "DELETE FROM message_mentions WHERE conversation_id = ? AND seq = ?",
                          "UPDATE message_changes SET emoji = NULL WHERE conversation_id = ? AND message_seq = ?"}) {
    TL_TRY_ASSIGN(Statement forget, db.prepare(sql));
    forget.bind_all(message.conversation_id, message.seq);
    TL_TRY(forget.run());
  }
  TL_TRY_ASSIGN(Statement update,
                db.prepare("UPDATE messages SET body = '', deleted_at = ? WHERE conversation_id = ? AND seq = ?"));
  update.bind_all(change.at, message.conversation_id, message.seq);
  TL_TRY(update.run());
  message.body.clear();
  message.deleted_at = change.at;
  message.reactions.clear();
  message.mentions.clear();
  message.reply_preview.reset();
  return message;
}

}  // namespace

// The order of the checks is the contract's: a retry is recognised first (so an actor
// who has since left still gets their original answer), then membership, the message,
// and the actor's right to this change; only then is a change_seq taken.
Result<model::ChangeOutcome> record_message_change(Connection& db, const model::MessageChange& change) {
  if (change.kind == model::ChangeKind::created) return Error::invalid("kind", "must be a change of a message");
  if (!change.client_change_id.empty()) {
    TL_TRY_ASSIGN(std::optional<model::ChangeOutcome> earlier, recorded_under_key(db, change));
    if (earlier) return std::move(*earlier);
  }
  TL_TRY_ASSIGN(std::optional<Standing> actor, standing_of(db, change.conversation_id, change.actor_id));
  if (!actor) return Error::not_found("conversation not found");
  TL_TRY_ASSIGN(std::optional<model::Message> message, find_message_in(db, change.conversation_id, change.message_id));
  if (!message) return Error::not_found("message not found");
  TL_TRY_ASSIGN(std::optional<model::ChangeOutcome> earlier, refusal_or_earlier(db, change, *message, *actor));
  if (earlier) return std::move(*earlier);

  model::ChangeOutcome outcome;
  outcome.created = true;
  TL_TRY_ASSIGN(outcome.change, commit_change(db, change, std::move(*message)));
  // Read in the commit, like a send's: the members this change was committed among.
  TL_TRY_ASSIGN(outcome.member_ids, member_user_ids(db, change.conversation_id));
  return outcome;
}

Result<model::Change> commit_change(Connection& db, const model::MessageChange& change, model::Message message) {
  TL_TRY_ASSIGN(ChangeNumbers numbers, take_next_change_seq(db, change.conversation_id));
  TL_TRY(insert_change_row(db, change, message, numbers));
  if (change.kind == model::ChangeKind::edited || change.kind == model::ChangeKind::deleted) {
    TL_TRY(follow_in_search_index(db, message, change.kind));
  }
  model::Change recorded;
  recorded.conversation_id = change.conversation_id;
  recorded.change_seq = numbers.change_seq;
  recorded.kind = change.kind;
  recorded.actor_id = change.expired ? 0 : change.actor_id;
  recorded.expired = change.expired;
  recorded.at = change.at;
  if (model::is_reaction(change.kind)) recorded.emoji = change.emoji;
  TL_TRY_ASSIGN(recorded.message, update_message(db, change, std::move(message), numbers.change_seq));
  return recorded;
}

// Creations have no rows of their own, and messages have no index on change_seq; the
// change rows say where they are. With (c0, s0) the change_seq and seq_before of the last
// change row at or below `after` ((0, 0) when there is none), every change from c0 + 1 to
// `after` is a creation, of the messages s0 + 1 onwards, one each; so the creations after
// `after` are the messages from seq s0 + (after - c0) + 1 on. Up to `limit` of those and
// up to `limit` change rows past `after`, merged by change_seq, give the page.
Result<std::vector<model::Change>> list_changes(Connection& db, model::Id conversation_id, model::Seq after,
                                                int limit) {
  if (limit <= 0) return Error::invalid("limit", "must be positive");
  model::Seq last_creation_before = after;  // the seq of the last message created at or before `after`
  {
    TL_TRY_ASSIGN(Statement anchor, db.prepare("SELECT change_seq, seq_before FROM message_changes"
                                               " WHERE conversation_id = ? AND change_seq <= ?"
                                               " ORDER BY change_seq DESC LIMIT 1"));
    anchor.bind_all(conversation_id, after);
    TL_TRY_ASSIGN(bool found, anchor.step());
    if (found) last_creation_before = anchor.int64(1) + (after - anchor.int64(0));
  }
  std::vector<model::Change> creations;
  {
    TL_TRY_ASSIGN(
        Statement query,
        db.prepare("SELECT id, conversation_id, seq, sender_id, client_msg_id, body, reply_to, created_at, edited_at,"
                   " change_seq, deleted_at FROM messages WHERE conversation_id = ? AND seq > ? ORDER BY seq LIMIT ?"));
    query.bind_all(conversation_id, last_creation_before, std::int64_t{limit});
    for (;;) {
      TL_TRY_ASSIGN(bool has_row, query.step());
      if (!has_row) break;
      creations.push_back(creation_of(read_message(query)));
    }
  }
  std::vector<model::Change> others;
  {
    TL_TRY_ASSIGN(Statement query, db.prepare(kChangesAfter));
    query.bind_all(conversation_id, after, std::int64_t{limit});
    for (;;) {
      TL_TRY_ASSIGN(bool has_row, query.step());
      if (!has_row) break;
      others.push_back(read_change_row(query));
    }
  }
  std::vector<model::Change> page;
  page.reserve(static_cast<std::size_t>(limit));
  auto creation = creations.begin();
  auto other = others.begin();
  while (page.size() < static_cast<std::size_t>(limit) && (creation != creations.end() || other != others.end())) {
    bool take_creation =
        other == others.end() || (creation != creations.end() && creation->change_seq < other->change_seq);
    page.push_back(std::move(take_creation ? *creation++ : *other++));
  }
  TL_TRY(attach_views_within(db, page, [](model::Change& change) -> model::Message& { return change.message; }));
  return page;
}

}  // namespace talkline::store::sqlite
