#include "store/postgres/change_queries.hpp"

#include <optional>
#include <string>
#include <utility>

#include "store/postgres/conversation_queries.hpp"
#include "store/postgres/executor.hpp"
#include "store/postgres/message_views.hpp"
#include "store/change_key.hpp"
#include "store/row_mappers.hpp"

namespace talkline::store::postgres {

namespace {

// Every feed entry is read as these four columns followed by the message's current row
// (kMessageColumns): the change's kind, change_seq, actor and time.
constexpr int kFeedColumnCount = 4;

const std::string kRecordedChangeFrom =
    " FROM message_changes mc JOIN messages m ON m.conversation_id = mc.conversation_id AND m.seq = mc.message_seq";
// After the message: the emoji of a reaction ('' for the other kinds).
constexpr int kEmojiColumn = kFeedColumnCount + kMessageColumnCount;
const std::string kRecordedChangeSql = std::string("SELECT mc.kind, mc.change_seq, mc.actor_id, mc.created_at, ") +
                                       kMessageColumns + ", COALESCE(mc.emoji, '')" + kRecordedChangeFrom;
// The same, with the request's digest last (see store/change_key.hpp).
const std::string kKeyedChangeSql = std::string("SELECT mc.kind, mc.change_seq, mc.actor_id, mc.created_at, ") +
                                    kMessageColumns + ", COALESCE(mc.emoji, ''), COALESCE(mc.body_digest, '')" +
                                    kRecordedChangeFrom;
constexpr int kBodyDigestColumn = kEmojiColumn + 1;

model::Change read_feed_entry(const Rows::Row& row) {
  model::Change change;
  // The table's CHECK admits only kinds the model knows.
  change.kind = model::change_kind_from_name(row.text(0)).value_or(model::ChangeKind::created);
  change.change_seq = row.int64(1);
  // Only the retention sweep records a change without an actor (migration 0007).
  const std::optional<std::int64_t> actor = row.optional_int64(2);
  change.actor_id = actor.value_or(0);
  change.expired = !actor;
  change.at = row.int64(3);
  change.message = read_message(row, kFeedColumnCount);
  change.conversation_id = change.message.conversation_id;
  change.emoji = row.text(kEmojiColumn);
  return change;
}

// The first row's entry, with its message's reactions; nullopt when there is none.
Result<std::optional<model::Change>> first_entry(Executor& db, const Rows& rows) {
  if (rows.empty()) return std::optional<model::Change>();
  model::Change change = read_feed_entry(rows.at(0));
  TL_TRY(attach_views(db, std::vector<model::Message*>{&change.message}));
  return std::optional<model::Change>(std::move(change));
}

// The change first recorded under the actor's key, when `change` is its retry; conflict
// when the key was used for another message, kind or body; nullopt when it is new.
Result<std::optional<model::ChangeOutcome>> recorded_under_key(Executor& db, const model::MessageChange& change) {
  TL_TRY_ASSIGN(Rows rows, db.query(kKeyedChangeSql + " WHERE mc.actor_id = $1 AND mc.client_change_id = $2",
                                    Params::of(change.actor_id, change.client_change_id)));
  TL_TRY_ASSIGN(std::optional<model::Change> earlier, first_entry(db, rows));
  if (!earlier) return std::optional<model::ChangeOutcome>();
  if (!repeats_recorded_change(earlier->message.id, earlier->kind, rows.text(0, kBodyDigestColumn), change)) {
    return Error::conflict("clientChangeId was already used for a different change");
  }
  return std::optional<model::ChangeOutcome>(model::ChangeOutcome{std::move(*earlier), false, {}});
}

Result<model::Change> find_deletion(Executor& db, const model::Message& message) {
  TL_TRY_ASSIGN(
      Rows rows,
      db.query(kRecordedChangeSql + " WHERE mc.conversation_id = $1 AND mc.message_seq = $2 AND mc.kind = 'deleted'",
               Params::of(message.conversation_id, message.seq)));
  // Nothing deleted messages before the feed existed, so every deletion has its row.
  if (rows.empty()) return Error::internal("deleted message " + std::to_string(message.id) + " has no deletion");
  return read_feed_entry(rows.at(0));  // a tombstone has no reactions
}

// A reaction added that is there already, or removed that is not there, changes nothing:
// it is answered with the actor's latest change that made it so, or (a removal of a
// reaction never added) not_found. A new emoji past the message's limit is refused.
Result<std::optional<model::ChangeOutcome>> reaction_refusal_or_earlier(Executor& db,
                                                                        const model::MessageChange& change,
                                                                        const model::Message& message) {
  using Answer = std::optional<model::ChangeOutcome>;
  if (message.deleted_at) return Error::conflict("the message was deleted");
  TL_TRY_ASSIGN(Rows state, db.query("SELECT count(DISTINCT emoji), count(*) FILTER (WHERE emoji = $3),"
                                     " count(*) FILTER (WHERE emoji = $3 AND user_id = $4)"
                                     " FROM message_reactions WHERE conversation_id = $1 AND message_seq = $2",
                                     Params::of(message.conversation_id, message.seq, change.emoji, change.actor_id)));
  const bool present = state.int64(0, 2) > 0;
  const bool adding = change.kind == model::ChangeKind::reacted;
  if (adding != present) {
    if (adding && change.max_reactions > 0 && state.int64(0, 1) == 0 && state.int64(0, 0) >= change.max_reactions) {
      return Error::invalid("emoji", "a message holds at most " + std::to_string(change.max_reactions) +
                                         " different reactions");
    }
    return Answer();
  }
  TL_TRY_ASSIGN(Rows rows, db.query(kRecordedChangeSql +
                                        " WHERE mc.conversation_id = $1 AND mc.message_seq = $2 AND mc.kind = $3"
                                        " AND mc.actor_id = $4 AND mc.emoji = $5 ORDER BY mc.change_seq DESC LIMIT 1",
                                    Params::of(message.conversation_id, message.seq,
                                               model::change_kind_name(change.kind), change.actor_id, change.emoji)));
  TL_TRY_ASSIGN(std::optional<model::Change> earlier, first_entry(db, rows));
  if (!earlier) {
    if (adding) return Error::internal("a reaction has no change that added it");
    return Error::not_found("reaction not found");
  }
  return Answer(model::ChangeOutcome{std::move(*earlier), false, {}});
}

// What the actor may do to the message, in the contract's order of checks.
Result<void> check_edit(const model::MessageChange& change, const model::Message& message) {
  if (change.actor_id != message.sender_id) return Error::forbidden("only the sender can edit a message");
  if (message.deleted_at) return Error::conflict("the message was deleted");
  if (change.edit_window > 0 && change.at - message.created_at > change.edit_window) {
    return Error::forbidden("the edit window has passed");
  }
  return ok_result();
}

// A group's owner and admins may delete anyone's message; in a direct conversation only
// the sender (or a site admin) may.
Result<void> check_delete(const model::MessageChange& change, const model::Message& message,
                          model::ConversationKind conversation_kind, model::MemberRole actor_role) {
  const bool moderates_group = conversation_kind == model::ConversationKind::group &&
                               (actor_role == model::MemberRole::owner || actor_role == model::MemberRole::admin);
  if (change.actor_id == message.sender_id || moderates_group || change.actor_is_site_admin) return ok_result();
  return Error::forbidden("only the sender, a group owner or admin, or a site admin can delete a message");
}

// Pins are for a group's owner and admins (either member of a direct conversation, or a
// site admin). Pinning a pinned message, or unpinning one that is not, changes nothing:
// it is answered with the latest change that made it so, or (an unpin of a message never
// pinned) not_found.
Result<std::optional<model::ChangeOutcome>> pin_refusal_or_earlier(Executor& db, const model::MessageChange& change,
                                                                   const model::Message& message,
                                                                   model::ConversationKind conversation_kind,
                                                                   model::MemberRole actor_role) {
  using Answer = std::optional<model::ChangeOutcome>;
  const bool moderates = conversation_kind == model::ConversationKind::direct ||
                         actor_role == model::MemberRole::owner || actor_role == model::MemberRole::admin ||
                         change.actor_is_site_admin;
  if (!moderates) return Error::forbidden("only a group owner or admin can pin a message");
  if (message.deleted_at) return Error::conflict("the message was deleted");
  TL_TRY_ASSIGN(Rows pins, db.query("SELECT count(*), count(*) FILTER (WHERE message_seq = $2)"
                                    " FROM message_pins WHERE conversation_id = $1",
                                    Params::of(message.conversation_id, message.seq)));
  const bool pinned = pins.int64(0, 1) > 0;
  const bool pinning = change.kind == model::ChangeKind::pinned;
  if (pinning != pinned) {
    if (pinning && change.max_pins > 0 && pins.int64(0, 0) >= change.max_pins) {
      return Error::conflict("a conversation holds at most " + std::to_string(change.max_pins) + " pinned messages");
    }
    return Answer();
  }
  TL_TRY_ASSIGN(Rows rows, db.query(kRecordedChangeSql +
                                        " WHERE mc.conversation_id = $1 AND mc.message_seq = $2 AND mc.kind = $3"
                                        " ORDER BY mc.change_seq DESC LIMIT 1",
                                    Params::of(message.conversation_id, message.seq,
                                               model::change_kind_name(change.kind))));
  TL_TRY_ASSIGN(std::optional<model::Change> earlier, first_entry(db, rows));
  if (!earlier) {
    if (pinning) return Error::internal("a pin has no change that made it");
    return Error::not_found("pin not found");
  }
  return Answer(model::ChangeOutcome{std::move(*earlier), false, {}});
}

// Pins or unpins the message and returns it with its reactions.
Result<model::Message> apply_pin(Executor& db, const model::MessageChange& change, model::Message message,
                                 model::Seq change_seq) {
  if (change.kind == model::ChangeKind::pinned) {
    TL_TRY(db.query("INSERT INTO message_pins (conversation_id, message_seq, pinned_by, pinned_at, change_seq)"
                    " VALUES ($1, $2, $3, $4, $5)",
                    Params::of(message.conversation_id, message.seq, change.actor_id, change.at, change_seq)));
  } else {
    TL_TRY(db.query("DELETE FROM message_pins WHERE conversation_id = $1 AND message_seq = $2",
                    Params::of(message.conversation_id, message.seq)));
  }
  TL_TRY(attach_views(db, std::vector<model::Message*>{&message}));
  return message;
}

// Adds or removes the actor's reaction and returns the message with its reactions now.
Result<model::Message> apply_reaction(Executor& db, const model::MessageChange& change, model::Message message,
                                      model::Seq change_seq) {
  if (change.kind == model::ChangeKind::reacted) {
    TL_TRY(db.query("INSERT INTO message_reactions (conversation_id, message_seq, emoji, user_id, created_at,"
                    " change_seq) VALUES ($1, $2, $3, $4, $5, $6)",
                    Params::of(message.conversation_id, message.seq, change.emoji, change.actor_id, change.at,
                               change_seq)));
  } else {
    TL_TRY(db.query("DELETE FROM message_reactions WHERE conversation_id = $1 AND message_seq = $2 AND emoji = $3"
                    " AND user_id = $4",
                    Params::of(message.conversation_id, message.seq, change.emoji, change.actor_id)));
  }
  TL_TRY(attach_views(db, std::vector<model::Message*>{&message}));
  return message;
}

// Applies change `change_seq` to the message row and returns the row after it.
Result<model::Message> apply_to_message(Executor& db, const model::MessageChange& change, const model::Message& message,
                                        model::Seq change_seq) {
  if (model::is_reaction(change.kind)) return apply_reaction(db, change, message, change_seq);
  if (model::is_pin(change.kind)) return apply_pin(db, change, message, change_seq);
  if (change.kind == model::ChangeKind::deleted) {
    // A tombstone keeps nothing of what members added to the message either.
    // Its reaction entries in the feed keep who reacted, but no longer with what.
    for (const char* sql : {"DELETE FROM message_reactions WHERE conversation_id = $1 AND message_seq = $2",
                            "DELETE FROM message_pins WHERE conversation_id = $1 AND message_seq = $2",
                            "DELETE FROM message_mentions WHERE conversation_id = $1 AND seq = $2",
                            "UPDATE message_changes SET emoji = NULL WHERE conversation_id = $1 AND message_seq = $2"}) {
      TL_TRY(db.query(sql, Params::of(message.conversation_id, message.seq)));
    }
  }
  static const std::string kEditSql = std::string("UPDATE messages m SET body = $4, edited_at = $3") +
                                      " WHERE m.conversation_id = $1 AND m.seq = $2 RETURNING " + kMessageColumns;
  static const std::string kDeleteSql = std::string("UPDATE messages m SET body = '', deleted_at = $3") +
                                        " WHERE m.conversation_id = $1 AND m.seq = $2 RETURNING " + kMessageColumns;
  Result<Rows> updated =
      change.kind == model::ChangeKind::edited
          ? db.query(kEditSql, Params::of(message.conversation_id, message.seq, change.at, change.body))
          : db.query(kDeleteSql, Params::of(message.conversation_id, message.seq, change.at));
  TL_TRY_ASSIGN(Rows rows, std::move(updated));
  if (rows.empty()) return Error::internal("the changed message vanished");
  model::Message changed = read_message(rows.at(0));
  // A tombstone has no views left to read (the statements above and the uploads trigger
  // removed them): reading them would cost the retention sweep four round trips per
  // expired message, under the conversation's lock.
  if (change.kind == model::ChangeKind::deleted) return changed;
  // The new body names whom it mentions now; a member named for the first time counts.
  TL_TRY(resolve_mentions(db, changed.conversation_id, changed.seq, change.mention_names));
  TL_TRY(attach_views(db, std::vector<model::Message*>{&changed}));
  return changed;
}

}  // namespace

// The conversation row is locked first, as a send locks it: the conversation's sends and
// changes queue behind each other, so last_change_seq + 1 is gap-free across nodes, and a
// concurrent retry of this change waits for the first and then finds it.
Result<model::ChangeOutcome> record_message_change(Executor& db, const model::MessageChange& change) {
  if (change.kind == model::ChangeKind::created) return Error::invalid("kind", "must be a change of a message");
  TL_TRY_ASSIGN(Rows conversation, db.query("SELECT kind FROM conversations WHERE id = $1 FOR UPDATE",
                                            Params::of(change.conversation_id)));
  if (!change.client_change_id.empty()) {
    TL_TRY_ASSIGN(std::optional<model::ChangeOutcome> earlier, recorded_under_key(db, change));
    if (earlier) return std::move(*earlier);
  }
  if (conversation.empty()) return Error::not_found("conversation not found");
  TL_TRY_ASSIGN(Rows member, db.query("SELECT role FROM members WHERE conversation_id = $1 AND user_id = $2",
                                      Params::of(change.conversation_id, change.actor_id)));
  if (member.empty()) return Error::not_found("conversation not found");
  TL_TRY_ASSIGN(Rows found, db.query(std::string("SELECT ") + kMessageColumns +
                                         " FROM messages m WHERE m.id = $1 AND m.conversation_id = $2",
                                     Params::of(change.message_id, change.conversation_id)));
  if (found.empty()) return Error::not_found("message not found");
  const model::Message message = read_message(found.at(0));

  const auto conversation_kind =
      conversation.text(0, 0) == "direct" ? model::ConversationKind::direct : model::ConversationKind::group;
  const auto actor_role = model::member_role_from_name(member.text(0, 0)).value_or(model::MemberRole::member);
  if (model::is_reaction(change.kind) || model::is_pin(change.kind)) {
    std::optional<model::ChangeOutcome> earlier;
    if (model::is_reaction(change.kind)) {
      TL_TRY_ASSIGN(earlier, reaction_refusal_or_earlier(db, change, message));
    } else {
      TL_TRY_ASSIGN(earlier, pin_refusal_or_earlier(db, change, message, conversation_kind, actor_role));
    }
    if (earlier) return std::move(*earlier);
  } else if (change.kind == model::ChangeKind::edited) {
    TL_TRY(check_edit(change, message));
  } else {
    TL_TRY(check_delete(change, message, conversation_kind, actor_role));
    if (message.deleted_at) {
      TL_TRY_ASSIGN(model::Change deletion, find_deletion(db, message));
      return model::ChangeOutcome{std::move(deletion), false, {}};
    }
  }

  model::ChangeOutcome recorded;
  TL_TRY_ASSIGN(recorded.change, commit_change(db, change, message));
  TL_TRY_ASSIGN(recorded.member_ids, member_user_ids(db, change.conversation_id));
  recorded.created = true;
  return recorded;
}

Result<model::Change> commit_change(Executor& db, const model::MessageChange& change, const model::Message& message) {
  // The next number of the feed; last_seq tells change_list which creations precede it.
  TL_TRY_ASSIGN(Rows counter, db.query("UPDATE conversations SET last_change_seq = last_change_seq + 1 WHERE id = $1"
                                       " RETURNING last_change_seq, last_seq",
                                       Params::of(change.conversation_id)));
  if (counter.empty()) return Error::not_found("conversation not found");
  const model::Seq change_seq = counter.int64(0, 0);
  const model::Seq seq_before = counter.int64(0, 1);
  std::optional<std::string> client_change_id;
  if (!change.client_change_id.empty()) client_change_id = change.client_change_id;
  std::optional<model::Id> actor;
  if (!change.expired) actor = change.actor_id;
  TL_TRY(db.query(
      "INSERT INTO message_changes (conversation_id, change_seq, kind, message_id, message_seq, actor_id, created_at,"
      " seq_before, client_change_id, body_digest, emoji) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
      Params::of(change.conversation_id, change_seq, model::change_kind_name(change.kind), message.id, message.seq,
                 actor, change.at, seq_before, client_change_id, change_body_digest(change),
                 model::is_reaction(change.kind) ? std::optional<std::string>(change.emoji) : std::nullopt)));
  model::Change recorded;
  recorded.conversation_id = change.conversation_id;
  recorded.change_seq = change_seq;
  recorded.kind = change.kind;
  recorded.actor_id = change.expired ? 0 : change.actor_id;
  recorded.expired = change.expired;
  recorded.at = change.at;
  if (model::is_reaction(change.kind)) recorded.emoji = change.emoji;
  TL_TRY_ASSIGN(recorded.message, apply_to_message(db, change, message, change_seq));
  return recorded;
}

// Without an index on messages.change_seq, the new messages of the page are found by seq.
// A message's change_seq rises with its seq, and between two recorded changes every change
// is a creation. So with (c0, s0) the change_seq and seq_before of the last recorded change
// at or below `after` ((0, 0) when there is none), changes c0 + 1 … after created the
// messages s0 + 1 … s0 + (after - c0), and the messages with change_seq above `after` are
// those with seq above s0 + (after - c0). At most `limit` of those by seq and at most
// `limit` recorded changes above `after` are read, merged by change_seq and cut to `limit`.
Result<std::vector<model::Change>> list_changes(Executor& db, model::Id conversation_id, model::Seq after, int limit) {
  if (limit <= 0) return Error::invalid("limit", "must be positive");
  if (after < 0) return Error::invalid("after", "must not be negative");
  static const std::string sql =
      std::string(
          "WITH anchor AS ("
          "  SELECT mc.change_seq, mc.seq_before FROM message_changes mc"
          "   WHERE mc.conversation_id = $1 AND mc.change_seq <= $2::bigint"
          "   ORDER BY mc.change_seq DESC LIMIT 1"
          "), created AS ("
          "  SELECT 'created'::text AS feed_kind, m.change_seq AS feed_change_seq, m.sender_id AS feed_actor_id,"
          "         m.created_at AS feed_at, ") +
      kMessageColumns +
      ", ''::text AS feed_emoji"
      "    FROM messages m"
      "   WHERE m.conversation_id = $1"
      "     AND m.seq > COALESCE((SELECT a.seq_before + ($2::bigint - a.change_seq) FROM anchor a), $2::bigint)"
      "   ORDER BY m.seq LIMIT $3"
      "), recorded AS ("
      "  SELECT mc.kind, mc.change_seq, mc.actor_id, mc.created_at, " +
      kMessageColumns +
      ", COALESCE(mc.emoji, '')"
      "    FROM message_changes mc"
      "    JOIN messages m ON m.conversation_id = mc.conversation_id AND m.seq = mc.message_seq"
      "   WHERE mc.conversation_id = $1 AND mc.change_seq > $2::bigint"
      "   ORDER BY mc.change_seq LIMIT $3"
      ")"
      " SELECT * FROM created UNION ALL SELECT * FROM recorded ORDER BY feed_change_seq LIMIT $3";
  TL_TRY_ASSIGN(Rows rows, db.query(sql, Params::of(conversation_id, after, limit)));
  std::vector<model::Change> changes;
  changes.reserve(static_cast<std::size_t>(rows.size()));
  for (int row = 0; row < rows.size(); ++row) changes.push_back(read_feed_entry(rows.at(row)));
  TL_TRY(
      attach_views_within(db, changes, [](model::Change& change) -> model::Message& { return change.message; }));
  return changes;
}

}  // namespace talkline::store::postgres
