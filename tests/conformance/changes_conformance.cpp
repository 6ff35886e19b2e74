#include "store_conformance.hpp"

#include <algorithm>
#include <future>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

namespace talkline::conformance {

extern const int kChangeCases = 0;

namespace {

model::MessageChange edit_of(const model::Message& message, const model::User& actor, const std::string& body,
                             model::Millis at) {
  model::MessageChange change = change_of(model::ChangeKind::edited, message, actor, at);
  change.body = body;
  return change;
}


/// What identifies a feed entry: its number, what happened, and to which message.
using Entry = std::tuple<model::Seq, model::ChangeKind, model::Id>;

std::vector<Entry> entries_of(const std::vector<model::Change>& changes) {
  std::vector<Entry> entries;
  for (const model::Change& change : changes) entries.emplace_back(change.change_seq, change.kind, change.message.id);
  return entries;
}

std::vector<model::Seq> change_seqs_of(const std::vector<model::Change>& changes) {
  std::vector<model::Seq> seqs;
  for (const model::Change& change : changes) seqs.push_back(change.change_seq);
  return seqs;
}

std::vector<model::Id> ids_of(const std::vector<model::Message>& messages) {
  std::vector<model::Id> ids;
  for (const model::Message& message : messages) ids.push_back(message.id);
  return ids;
}

bool contains(const std::vector<model::Id>& ids, model::Id id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

constexpr auto kCreated = model::ChangeKind::created;
constexpr auto kEdited = model::ChangeKind::edited;
constexpr auto kDeleted = model::ChangeKind::deleted;

}  // namespace

// ---- the feed ------------------------------------------------------------------------

TEST_P(StoreConformance, ChangeFeedNumbersSendsEditsAndDeletesWithoutGaps) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Conversation group = add_group(alice, {bob});
  model::Conversation other = add_direct(alice, bob);

  model::Message m1 = send(group, alice, "one");
  EXPECT_EQ(m1.change_seq, 1);
  model::Message m2 = send(group, bob, "two");
  EXPECT_EQ(m2.change_seq, 2);
  model::Millis edited_at = tick();
  auto edited = store().message_change(edit_of(m1, alice, "one, edited", edited_at));
  ASSERT_EQ(outcome(edited), "ok");
  EXPECT_EQ(edited->change.change_seq, 3);
  send(other, alice, "elsewhere");  // another conversation's feed is numbered on its own
  model::Message m3 = send(group, alice, "three");
  EXPECT_EQ(m3.seq, 3);
  EXPECT_EQ(m3.change_seq, 4);
  model::Millis deleted_at = tick();
  auto deleted = store().message_change(change_of(model::ChangeKind::deleted, m2, bob, deleted_at));
  ASSERT_EQ(outcome(deleted), "ok");
  EXPECT_EQ(deleted->change.change_seq, 5);
  model::Message m4 = send(group, bob, "four");
  EXPECT_EQ(m4.change_seq, 6);
  auto edited_again = store().message_change(edit_of(m3, alice, "three, edited", tick()));
  ASSERT_EQ(outcome(edited_again), "ok");
  EXPECT_EQ(edited_again->change.change_seq, 7);

  auto feed = store().change_list(group.id, 0, 100);
  ASSERT_EQ(outcome(feed), "ok");
  EXPECT_EQ(entries_of(*feed), (std::vector<Entry>{{1, kCreated, m1.id},
                                                   {2, kCreated, m2.id},
                                                   {3, kEdited, m1.id},
                                                   {4, kCreated, m3.id},
                                                   {5, kDeleted, m2.id},
                                                   {6, kCreated, m4.id},
                                                   {7, kEdited, m3.id}}));
  for (const model::Change& change : *feed) EXPECT_EQ(change.conversation_id, group.id);
  // A creation is told by its sender at the message's time; a change by whoever made it.
  EXPECT_EQ((*feed)[1].actor_id, bob.id);
  EXPECT_EQ((*feed)[1].at, m2.created_at);
  EXPECT_EQ((*feed)[2].actor_id, alice.id);
  EXPECT_EQ((*feed)[2].at, edited_at);
  EXPECT_EQ((*feed)[4].actor_id, bob.id);
  EXPECT_EQ((*feed)[4].at, deleted_at);

  auto conversation = must(store().conversation_get(group.id));
  EXPECT_EQ(conversation.last_seq, 4);
  EXPECT_EQ(conversation.last_change_seq, 7);
  EXPECT_EQ(change_seqs_of(must(store().change_list(other.id, 0, 100))), (std::vector<model::Seq>{1}));
  EXPECT_EQ(must(store().conversation_get(other.id)).last_change_seq, 1);
}

// Every (after, limit) window must be the matching slice of the whole feed: runs of
// creations are found from the change rows around them, so the feed below puts change rows
// first, back to back, between creations and last.
TEST_P(StoreConformance, ChangeListPagesAcrossCreationRunsAndChangeRows) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Conversation group = add_group(alice, {bob});
  model::Conversation other = add_group(bob, {alice}, "other");
  EXPECT_TRUE(must(store().change_list(group.id, 0, 10)).empty());

  model::Message a = send(group, alice, "a");
  must(store().message_change(edit_of(a, alice, "a2", tick())));
  must(store().message_change(edit_of(a, alice, "a3", tick())));
  model::Message b = send(group, bob, "b");
  send(other, bob, "noise");
  model::Message c = send(group, alice, "c");
  model::Message d = send(group, bob, "d");
  must(store().message_change(change_of(model::ChangeKind::deleted, c, alice, tick())));
  must(store().message_change(edit_of(b, bob, "b2", tick())));
  model::Message e = send(group, alice, "e");
  send(other, alice, "more noise");
  model::Message f = send(group, alice, "f");
  model::Message g = send(group, bob, "g");
  must(store().message_change(change_of(model::ChangeKind::deleted, a, alice, tick())));
  must(store().message_change(edit_of(g, bob, "g2", tick())));

  const std::vector<Entry> all = {{1, kCreated, a.id}, {2, kEdited, a.id},   {3, kEdited, a.id},   {4, kCreated, b.id},
                                  {5, kCreated, c.id}, {6, kCreated, d.id},  {7, kDeleted, c.id},  {8, kEdited, b.id},
                                  {9, kCreated, e.id}, {10, kCreated, f.id}, {11, kCreated, g.id}, {12, kDeleted, a.id},
                                  {13, kEdited, g.id}};
  ASSERT_EQ(entries_of(must(store().change_list(group.id, 0, 100))), all);
  const auto total = static_cast<model::Seq>(all.size());
  for (model::Seq after = 0; after <= total + 1; ++after) {
    for (int limit = 1; limit <= 5; ++limit) {
      auto page = store().change_list(group.id, after, limit);
      ASSERT_EQ(outcome(page), "ok") << "after " << after << ", limit " << limit;
      std::vector<Entry> expected;
      for (model::Seq n = after + 1; n <= total && static_cast<int>(expected.size()) < limit; ++n) {
        expected.push_back(all[n - 1]);
      }
      EXPECT_EQ(entries_of(*page), expected) << "after " << after << ", limit " << limit;
    }
  }

  // Paging through with the last number seen visits every entry once.
  std::vector<Entry> walked;
  model::Seq after = 0;
  for (;;) {
    auto page = must(store().change_list(group.id, after, 2));
    if (page.empty()) break;
    for (const Entry& entry : entries_of(page)) walked.push_back(entry);
    after = page.back().change_seq;
  }
  EXPECT_EQ(walked, all);
  EXPECT_EQ(change_seqs_of(must(store().change_list(other.id, 0, 100))), (std::vector<model::Seq>{1, 2}));
}

TEST_P(StoreConformance, ChangeListCarriesEveryMessageAsItIsNow) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Conversation group = add_group(alice, {bob});
  model::Message kept = send(group, alice, "first words");
  model::Message erased = send(group, bob, "regrettable");
  must(store().message_change(edit_of(kept, alice, "second words", tick())));
  must(store().message_change(edit_of(erased, bob, "still regrettable", tick())));
  model::Millis last_edit = tick();
  must(store().message_change(edit_of(kept, alice, "final words", last_edit)));
  model::Millis deleted_at = tick();
  must(store().message_change(change_of(model::ChangeKind::deleted, erased, bob, deleted_at)));

  auto feed = must(store().change_list(group.id, 0, 100));
  ASSERT_EQ(feed.size(), 6U);
  for (const model::Change& change : feed) {
    const model::Message& message = change.message;
    if (message.id == kept.id) {
      EXPECT_EQ(message.body, "final words") << "entry " << change.change_seq;
      EXPECT_EQ(message.edited_at, std::optional<model::Millis>(last_edit));
      EXPECT_FALSE(message.deleted_at.has_value());
      EXPECT_EQ(message.seq, kept.seq);
      EXPECT_EQ(message.change_seq, kept.change_seq);
      EXPECT_EQ(message.created_at, kept.created_at);
      EXPECT_EQ(message.sender_id, alice.id);
      EXPECT_EQ(message.client_msg_id, kept.client_msg_id);
    } else {
      ASSERT_EQ(message.id, erased.id);
      // Not a word of a deleted message is handed out again, at any of its entries.
      EXPECT_EQ(message.body, "") << "entry " << change.change_seq;
      EXPECT_EQ(message.deleted_at, std::optional<model::Millis>(deleted_at));
      EXPECT_EQ(message.seq, erased.seq);
      EXPECT_EQ(message.change_seq, erased.change_seq);
      EXPECT_EQ(message.sender_id, bob.id);
    }
  }
}

TEST_P(StoreConformance, ChangeListOfAConversationWithoutChangesIsEmpty) {
  model::User alice = add_user("alice");
  model::Conversation group = add_group(alice, {});
  EXPECT_TRUE(must(store().change_list(group.id, 0, 10)).empty());
  EXPECT_TRUE(must(store().change_list(new_id(), 0, 10)).empty());
  send(group, alice, "only");
  EXPECT_TRUE(must(store().change_list(group.id, 1, 10)).empty());
  EXPECT_TRUE(must(store().change_list(group.id, 5, 10)).empty());
}

// ---- edits and deletes ---------------------------------------------------------------

TEST_P(StoreConformance, MessageChangeEditRecordsTheChangeAndTheNewBody) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Conversation group = add_group(alice, {bob});
  model::Message original = send(group, alice, "teh typo");
  send(group, bob, "reply");
  model::Millis at = tick();
  auto edited = store().message_change(edit_of(original, alice, "the typo", at));
  ASSERT_EQ(outcome(edited), "ok");
  EXPECT_TRUE(edited->created);
  const model::Change& change = edited->change;
  EXPECT_EQ(change.conversation_id, group.id);
  EXPECT_EQ(change.change_seq, 3);
  EXPECT_EQ(change.kind, kEdited);
  EXPECT_EQ(change.actor_id, alice.id);
  EXPECT_EQ(change.at, at);
  EXPECT_EQ(change.message.id, original.id);
  EXPECT_EQ(change.message.seq, original.seq);
  EXPECT_EQ(change.message.change_seq, original.change_seq);
  EXPECT_EQ(change.message.body, "the typo");
  EXPECT_EQ(change.message.edited_at, std::optional<model::Millis>(at));
  EXPECT_FALSE(change.message.deleted_at.has_value());
  EXPECT_EQ(change.message.created_at, original.created_at);
  std::vector<model::Id> members = edited->member_ids;
  std::sort(members.begin(), members.end());
  EXPECT_EQ(members, (std::vector<model::Id>{alice.id, bob.id}));

  auto history = must(store().message_list(group.id, std::nullopt, std::nullopt, 10));
  ASSERT_EQ(history.size(), 2U);
  EXPECT_EQ(history[0].body, "the typo");
  EXPECT_EQ(history[0].edited_at, std::optional<model::Millis>(at));
  EXPECT_EQ(history[0].change_seq, 1);
  EXPECT_EQ(history[1].change_seq, 2);
  auto conversation = must(store().conversation_get(group.id));
  EXPECT_EQ(conversation.last_seq, 2);
  EXPECT_EQ(conversation.last_change_seq, 3);
}

TEST_P(StoreConformance, MessageChangeDeleteLeavesATombstoneInItsPlace) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Conversation group = add_group(alice, {bob});
  send(group, alice, "before");
  model::Message doomed = send(group, bob, "secret");
  model::Millis at = tick();
  auto deleted = store().message_change(change_of(model::ChangeKind::deleted, doomed, bob, at));
  ASSERT_EQ(outcome(deleted), "ok");
  EXPECT_TRUE(deleted->created);
  EXPECT_EQ(deleted->change.kind, kDeleted);
  EXPECT_EQ(deleted->change.change_seq, 3);
  EXPECT_EQ(deleted->change.actor_id, bob.id);
  EXPECT_EQ(deleted->change.at, at);
  EXPECT_EQ(deleted->change.message.id, doomed.id);
  EXPECT_EQ(deleted->change.message.body, "");
  EXPECT_EQ(deleted->change.message.deleted_at, std::optional<model::Millis>(at));
  EXPECT_EQ(deleted->member_ids.size(), 2U);

  auto history = must(store().message_list(group.id, std::nullopt, std::nullopt, 10));
  ASSERT_EQ(history.size(), 2U);  // the seq stays taken: histories stay gap-free
  EXPECT_EQ(history[1].id, doomed.id);
  EXPECT_EQ(history[1].seq, doomed.seq);
  EXPECT_EQ(history[1].body, "");
  EXPECT_EQ(history[1].deleted_at, std::optional<model::Millis>(at));
  auto summary = must(store().conversation_list_for_user(alice.id, std::nullopt, 10));
  ASSERT_EQ(summary.size(), 1U);
  ASSERT_TRUE(summary[0].last_message.has_value());
  EXPECT_EQ(summary[0].last_message->body, "");
  EXPECT_TRUE(summary[0].last_message->deleted_at.has_value());
  EXPECT_EQ(summary[0].conversation.last_seq, 2);
  EXPECT_EQ(summary[0].conversation.last_change_seq, 3);
  EXPECT_EQ(send(group, alice, "after").seq, 3);
}

TEST_P(StoreConformance, MessageChangeDeleteOfADeletedMessageReturnsTheFirstDeletion) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Conversation group = add_group(alice, {bob});
  model::Message doomed = send(group, bob, "twice");
  model::Millis first_at = tick();
  model::Change first = must(store().message_change(change_of(model::ChangeKind::deleted, doomed, bob, first_at))).change;

  auto again = store().message_change(change_of(model::ChangeKind::deleted, doomed, bob, tick()));
  ASSERT_EQ(outcome(again), "ok");
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->change.change_seq, first.change_seq);
  EXPECT_EQ(again->change.kind, kDeleted);
  EXPECT_EQ(again->change.actor_id, bob.id);
  EXPECT_EQ(again->change.at, first_at);
  EXPECT_EQ(again->change.message.deleted_at, std::optional<model::Millis>(first_at));
  EXPECT_EQ(again->change.message.body, "");

  // The owner may delete it too, and is told of the sender's deletion.
  auto by_owner = store().message_change(change_of(model::ChangeKind::deleted, doomed, alice, tick()));
  ASSERT_EQ(outcome(by_owner), "ok");
  EXPECT_FALSE(by_owner->created);
  EXPECT_EQ(by_owner->change.change_seq, first.change_seq);
  EXPECT_EQ(by_owner->change.actor_id, bob.id);

  model::MessageChange keyed = change_of(model::ChangeKind::deleted, doomed, bob, tick());
  keyed.client_change_id = "delete-again";
  auto with_key = store().message_change(keyed);
  ASSERT_EQ(outcome(with_key), "ok");
  EXPECT_FALSE(with_key->created);
  EXPECT_EQ(with_key->change.change_seq, first.change_seq);

  EXPECT_EQ(must(store().conversation_get(group.id)).last_change_seq, 2);
  EXPECT_EQ(entries_of(must(store().change_list(group.id, 0, 10))),
            (std::vector<Entry>{{1, kCreated, doomed.id}, {2, kDeleted, doomed.id}}));
}

// ---- idempotency ---------------------------------------------------------------------

TEST_P(StoreConformance, MessageChangeRetryReturnsTheFirstChangeWithTheMessageAsItIsNow) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Conversation group = add_group(alice, {bob});
  model::Message message = send(group, bob, "draft");
  model::MessageChange edit = edit_of(message, bob, "final", tick());
  edit.client_change_id = "edit-1";
  model::Change first = must(store().message_change(edit)).change;
  EXPECT_EQ(first.change_seq, 2);

  model::MessageChange retry = edit;
  retry.at = tick();  // a retry arrives later
  auto again = store().message_change(retry);
  ASSERT_EQ(outcome(again), "ok");
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->change.change_seq, first.change_seq);
  EXPECT_EQ(again->change.kind, kEdited);
  EXPECT_EQ(again->change.actor_id, bob.id);
  EXPECT_EQ(again->change.at, first.at);
  EXPECT_EQ(again->change.message.body, "final");
  EXPECT_EQ(again->change.message.edited_at, std::optional<model::Millis>(first.at));
  EXPECT_EQ(must(store().conversation_get(group.id)).last_change_seq, 2);

  // Deleted since: the retry's answer shows the tombstone, not the edited body.
  must(store().message_change(change_of(model::ChangeKind::deleted, message, alice, tick())));
  again = store().message_change(retry);
  ASSERT_EQ(outcome(again), "ok");
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->change.change_seq, first.change_seq);
  EXPECT_EQ(again->change.kind, kEdited);
  EXPECT_EQ(again->change.message.body, "");
  EXPECT_TRUE(again->change.message.deleted_at.has_value());

  // Recognised before membership: an actor who has left still gets the original answer.
  must(store().member_remove(group.id, bob.id, tick()));
  again = store().message_change(retry);
  ASSERT_EQ(outcome(again), "ok");
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->change.change_seq, first.change_seq);
  EXPECT_EQ(must(store().conversation_get(group.id)).last_change_seq, 3);
}

TEST_P(StoreConformance, MessageChangeReusedClientChangeIdForAnotherChangeIsAConflict) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Conversation group = add_group(alice, {bob});
  model::Message first = send(group, alice, "first");
  model::Message second = send(group, alice, "second");
  model::MessageChange edit = edit_of(first, alice, "first, edited", tick());
  edit.client_change_id = "shared-key";
  must(store().message_change(edit));

  model::MessageChange other_message = edit_of(second, alice, "second, edited", tick());
  other_message.client_change_id = "shared-key";
  auto refused = store().message_change(other_message);
  EXPECT_EQ(outcome(refused), "conflict");
  EXPECT_EQ(message_of(refused), "clientChangeId was already used for a different change");

  model::MessageChange other_kind = change_of(model::ChangeKind::deleted, first, alice, tick());
  other_kind.client_change_id = "shared-key";
  refused = store().message_change(other_kind);
  EXPECT_EQ(outcome(refused), "conflict");
  EXPECT_EQ(message_of(refused), "clientChangeId was already used for a different change");

  // The same message and kind with another body is another edit, not a retry.
  model::MessageChange other_body = edit_of(first, alice, "first, edited again", tick());
  other_body.client_change_id = "shared-key";
  refused = store().message_change(other_body);
  EXPECT_EQ(outcome(refused), "conflict");
  EXPECT_EQ(message_of(refused), "clientChangeId was already used for a different change");

  auto history = must(store().message_list(group.id, std::nullopt, std::nullopt, 10));
  EXPECT_EQ(history[0].body, "first, edited");
  EXPECT_FALSE(history[0].deleted_at.has_value());
  EXPECT_EQ(history[1].body, "second");
  EXPECT_EQ(must(store().conversation_get(group.id)).last_change_seq, 3);

  // Keys are scoped to their actor.
  model::Message bobs = send(group, bob, "bob's");
  model::MessageChange bobs_edit = edit_of(bobs, bob, "bob's, edited", tick());
  bobs_edit.client_change_id = "shared-key";
  auto accepted = store().message_change(bobs_edit);
  ASSERT_EQ(outcome(accepted), "ok");
  EXPECT_TRUE(accepted->created);
  EXPECT_EQ(accepted->change.change_seq, 5);
}

TEST_P(StoreConformance, MessageChangesWithoutAClientChangeIdNeverCollide) {
  model::User alice = add_user("alice");
  model::Conversation group = add_group(alice, {});
  model::Message message = send(group, alice, "v1");
  EXPECT_TRUE(must(store().message_change(edit_of(message, alice, "v2", tick()))).created);
  EXPECT_TRUE(must(store().message_change(edit_of(message, alice, "v2", tick()))).created);
  EXPECT_TRUE(must(store().message_change(change_of(model::ChangeKind::deleted, message, alice, tick()))).created);
  EXPECT_EQ(must(store().conversation_get(group.id)).last_change_seq, 4);
}

// ---- refusals, in the contract's order -----------------------------------------------

TEST_P(StoreConformance, MessageChangeByANonMemberIsNotFoundWhateverElseIsWrong) {
  model::User alice = add_user("alice");
  model::User mallory = add_user("mallory");
  model::Conversation group = add_group(alice, {});
  model::Message message = send(group, alice, "mine");

  auto refused = store().message_change(edit_of(message, mallory, "hijacked", tick()));
  EXPECT_EQ(outcome(refused), "not_found");
  EXPECT_EQ(message_of(refused), "conversation not found");
  refused = store().message_change(change_of(model::ChangeKind::deleted, message, mallory, tick()));
  EXPECT_EQ(outcome(refused), "not_found");
  EXPECT_EQ(message_of(refused), "conversation not found");

  model::MessageChange site_admin = change_of(model::ChangeKind::deleted, message, mallory, tick());
  site_admin.actor_is_site_admin = true;  // a site admin's right covers their own conversations only
  refused = store().message_change(site_admin);
  EXPECT_EQ(outcome(refused), "not_found");
  EXPECT_EQ(message_of(refused), "conversation not found");

  model::MessageChange unknown_message = edit_of(message, mallory, "x", tick());
  unknown_message.message_id = new_id();
  refused = store().message_change(unknown_message);
  EXPECT_EQ(message_of(refused), "conversation not found");

  model::MessageChange unknown_conversation = edit_of(message, alice, "x", tick());
  unknown_conversation.conversation_id = new_id();
  refused = store().message_change(unknown_conversation);
  EXPECT_EQ(outcome(refused), "not_found");
  EXPECT_EQ(message_of(refused), "conversation not found");

  EXPECT_EQ(must(store().message_list(group.id, std::nullopt, std::nullopt, 10)).at(0).body, "mine");
  EXPECT_EQ(must(store().conversation_get(group.id)).last_change_seq, 1);
}

TEST_P(StoreConformance, MessageChangeOfAMessageOutsideTheConversationIsNotFound) {
  model::User alice = add_user("alice");
  model::Conversation group = add_group(alice, {});
  model::Conversation elsewhere = add_group(alice, {}, "elsewhere");
  send(group, alice, "here");
  model::Message foreign = send(elsewhere, alice, "there");

  model::MessageChange unknown = edit_of(foreign, alice, "x", tick());
  unknown.conversation_id = group.id;
  unknown.message_id = new_id();
  auto refused = store().message_change(unknown);
  EXPECT_EQ(outcome(refused), "not_found");
  EXPECT_EQ(message_of(refused), "message not found");

  model::MessageChange misplaced = edit_of(foreign, alice, "x", tick());
  misplaced.conversation_id = group.id;
  refused = store().message_change(misplaced);
  EXPECT_EQ(outcome(refused), "not_found");
  EXPECT_EQ(message_of(refused), "message not found");

  model::MessageChange misplaced_delete = change_of(model::ChangeKind::deleted, foreign, alice, tick());
  misplaced_delete.conversation_id = group.id;
  refused = store().message_change(misplaced_delete);
  EXPECT_EQ(outcome(refused), "not_found");
  EXPECT_EQ(message_of(refused), "message not found");

  EXPECT_EQ(must(store().message_list(elsewhere.id, std::nullopt, std::nullopt, 10)).at(0).body, "there");
  EXPECT_EQ(must(store().conversation_get(group.id)).last_change_seq, 1);
  EXPECT_EQ(must(store().conversation_get(elsewhere.id)).last_change_seq, 1);
}

TEST_P(StoreConformance, MessageChangeEditIsRefusedToOthersThenForDeletedThenForOldMessages) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::User admin = add_user("admin");
  model::Conversation group = add_group(alice, {bob, admin});
  model::Message alices = send(group, alice, "alice's");
  model::Message gone = send(group, alice, "gone");
  must(store().message_change(change_of(model::ChangeKind::deleted, gone, alice, tick())));

  // Only the sender edits: not the owner of someone else's message, not a site admin.
  model::Message bobs = send(group, bob, "bob's");
  auto refused = store().message_change(edit_of(bobs, alice, "owner's words", tick()));
  EXPECT_EQ(outcome(refused), "forbidden");
  EXPECT_EQ(message_of(refused), "only the sender can edit a message");
  model::MessageChange by_site_admin = edit_of(alices, admin, "admin's words", tick());
  by_site_admin.actor_is_site_admin = true;
  EXPECT_EQ(outcome(store().message_change(by_site_admin)), "forbidden");
  // Authorship is checked before deletion, deletion before the window.
  EXPECT_EQ(outcome(store().message_change(edit_of(gone, bob, "x", tick()))), "forbidden");
  model::MessageChange late = edit_of(gone, alice, "x", tick());
  late.edit_window = 1;
  EXPECT_EQ(outcome(store().message_change(late)), "conflict");
  model::MessageChange late_other = edit_of(alices, bob, "x", tick());
  late_other.edit_window = 1;
  EXPECT_EQ(outcome(store().message_change(late_other)), "forbidden");
  auto of_deleted = store().message_change(edit_of(gone, alice, "x", tick()));
  EXPECT_EQ(outcome(of_deleted), "conflict");
  EXPECT_EQ(message_of(of_deleted), "the message was deleted");

  const model::Millis window = 60'000;
  model::MessageChange at_the_edge = edit_of(alices, alice, "just in time", alices.created_at + window);
  at_the_edge.edit_window = window;
  EXPECT_EQ(outcome(store().message_change(at_the_edge)), "ok");
  model::MessageChange past_the_edge = edit_of(alices, alice, "too late", alices.created_at + window + 1);
  past_the_edge.edit_window = window;
  auto too_late = store().message_change(past_the_edge);
  EXPECT_EQ(outcome(too_late), "forbidden");
  EXPECT_EQ(message_of(too_late), "the edit window has passed");
  model::MessageChange no_window = edit_of(alices, alice, "no limit", alices.created_at + 100 * window);
  EXPECT_EQ(outcome(store().message_change(no_window)), "ok");

  auto history = must(store().message_list(group.id, std::nullopt, std::nullopt, 10));
  EXPECT_EQ(history[0].body, "no limit");
  EXPECT_EQ(history[1].body, "");
  EXPECT_EQ(history[2].body, "bob's");
  // Three sends, one delete and the two edits that went through.
  EXPECT_EQ(must(store().conversation_get(group.id)).last_change_seq, 6);
}

TEST_P(StoreConformance, MessageChangeDeleteIsForTheSenderTheGroupOwnerAndSiteAdmins) {
  model::User owner = add_user("owner");
  model::User bob = add_user("bob");
  model::User carol = add_user("carol");
  model::User admin = add_user("admin");
  must(store().user_set_role(admin.id, model::Role::admin));
  model::Conversation group = add_group(owner, {bob, carol, admin});
  model::Message from_bob = send(group, bob, "bob 1");
  model::Message from_bob_too = send(group, bob, "bob 2");
  model::Message from_carol = send(group, carol, "carol 1");
  model::Message from_owner = send(group, owner, "owner 1");

  auto refused = store().message_change(change_of(model::ChangeKind::deleted, from_bob, carol, tick()));
  EXPECT_EQ(outcome(refused), "forbidden");
  EXPECT_EQ(message_of(refused), "only the sender, a group owner or admin, or a site admin can delete a message");
  EXPECT_EQ(outcome(store().message_change(change_of(model::ChangeKind::deleted, from_owner, bob, tick()))), "forbidden");
  // The site-admin right comes with the flag, not with membership alone.
  EXPECT_EQ(outcome(store().message_change(change_of(model::ChangeKind::deleted, from_carol, admin, tick()))), "forbidden");

  EXPECT_EQ(outcome(store().message_change(change_of(model::ChangeKind::deleted, from_bob, bob, tick()))), "ok");
  EXPECT_EQ(outcome(store().message_change(change_of(model::ChangeKind::deleted, from_bob_too, owner, tick()))), "ok");
  model::MessageChange by_site_admin = change_of(model::ChangeKind::deleted, from_carol, admin, tick());
  by_site_admin.actor_is_site_admin = true;
  EXPECT_EQ(outcome(store().message_change(by_site_admin)), "ok");
  // The right is checked before the message's state: no answer about a message one may
  // not delete, deleted or not.
  EXPECT_EQ(outcome(store().message_change(change_of(model::ChangeKind::deleted, from_bob, carol, tick()))), "forbidden");

  auto history = must(store().message_list(group.id, std::nullopt, std::nullopt, 10));
  ASSERT_EQ(history.size(), 4U);
  EXPECT_TRUE(history[0].deleted_at.has_value());
  EXPECT_TRUE(history[1].deleted_at.has_value());
  EXPECT_TRUE(history[2].deleted_at.has_value());
  EXPECT_FALSE(history[3].deleted_at.has_value());
  EXPECT_EQ(history[3].body, "owner 1");
  EXPECT_EQ(must(store().conversation_get(group.id)).last_change_seq, 7);
}

TEST_P(StoreConformance, MessageChangeDeleteByAGroupAdmin) {
  model::User owner = add_user("owner");
  model::User moderator = add_user("moderator");
  model::User carol = add_user("carol");
  model::Conversation group = add_group(owner, {moderator, carol});
  model::Message from_carol = send(group, carol, "carol 1");
  model::Message from_owner = send(group, owner, "owner 1");
  EXPECT_EQ(outcome(store().message_change(change_of(model::ChangeKind::deleted, from_carol, moderator, tick()))), "forbidden");

  must(store().member_set_role(group.id, moderator.id, model::MemberRole::admin));
  ASSERT_EQ(must(store().member_get(group.id, moderator.id)).role, model::MemberRole::admin);
  EXPECT_EQ(outcome(store().message_change(change_of(model::ChangeKind::deleted, from_carol, moderator, tick()))), "ok");
  EXPECT_EQ(outcome(store().message_change(change_of(model::ChangeKind::deleted, from_owner, moderator, tick()))), "ok");
  EXPECT_EQ(must(store().conversation_get(group.id)).last_change_seq, 4);
}

// Owner and admin are group roles; in a direct conversation only the sender and a site
// admin may delete.
TEST_P(StoreConformance, MessageChangeDeleteInADirectConversationIgnoresMemberRoles) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::User admin = add_user("admin");
  must(store().user_set_role(admin.id, model::Role::admin));
  model::Conversation direct = add_direct(alice, bob);
  model::Conversation with_admin = add_direct(admin, bob);
  model::Message from_alice = send(direct, alice, "alice 1");
  model::Message from_bob = send(with_admin, bob, "bob 1");

  EXPECT_EQ(outcome(store().message_change(change_of(model::ChangeKind::deleted, from_alice, bob, tick()))), "forbidden");
  model::MessageChange by_site_admin = change_of(model::ChangeKind::deleted, from_bob, admin, tick());
  by_site_admin.actor_is_site_admin = true;
  EXPECT_EQ(outcome(store().message_change(by_site_admin)), "ok");

  for (model::MemberRole role : {model::MemberRole::admin, model::MemberRole::owner}) {
    must(store().member_set_role(direct.id, bob.id, role));
    EXPECT_EQ(outcome(store().message_change(change_of(model::ChangeKind::deleted, from_alice, bob, tick()))), "forbidden")
        << model::member_role_name(role);
  }
  EXPECT_FALSE(must(store().message_list(direct.id, std::nullopt, std::nullopt, 10)).at(0).deleted_at.has_value());
}

// ---- search follows ------------------------------------------------------------------

TEST_P(StoreConformance, SearchFollowsEditsAndDeletes) {
  model::User alice = add_user("alice");
  model::Conversation group = add_group(alice, {});
  model::Message changed = send(group, alice, "apple banana");
  model::Message untouched = send(group, alice, "banana split");
  auto search = [&](const std::string& term) {
    return ids_of(must(store().message_search(alice.id, {term}, std::nullopt, std::nullopt, 10)));
  };
  ASSERT_EQ(search("apple"), std::vector<model::Id>{changed.id});

  must(store().message_change(edit_of(changed, alice, "cherry banana", tick())));
  EXPECT_TRUE(search("apple").empty());
  EXPECT_EQ(search("cherry"), std::vector<model::Id>{changed.id});
  EXPECT_EQ(search("banana"), (std::vector<model::Id>{untouched.id, changed.id}));
  auto hits = must(store().message_search(alice.id, {"cherry"}, group.id, std::nullopt, 10));
  ASSERT_EQ(hits.size(), 1U);
  EXPECT_EQ(hits[0].body, "cherry banana");
  EXPECT_TRUE(hits[0].edited_at.has_value());

  must(store().message_change(edit_of(changed, alice, "damson", tick())));
  EXPECT_TRUE(search("cherry").empty());
  EXPECT_EQ(search("banana"), std::vector<model::Id>{untouched.id});
  EXPECT_EQ(search("damson"), std::vector<model::Id>{changed.id});

  must(store().message_change(change_of(model::ChangeKind::deleted, changed, alice, tick())));
  EXPECT_TRUE(search("damson").empty());
  EXPECT_EQ(search("banana"), std::vector<model::Id>{untouched.id});

  must(store().message_change(change_of(model::ChangeKind::deleted, untouched, alice, tick())));
  EXPECT_TRUE(search("banana").empty());
  EXPECT_TRUE(search("split").empty());
}

// ---- cursors and the conversation row ------------------------------------------------

TEST_P(StoreConformance, DeliveredChangeSeqFollowsSendsAndReceipts) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Conversation group = add_group(alice, {bob});
  EXPECT_EQ(must(store().member_get(group.id, bob.id)).delivered_change_seq, 0);

  model::Message m1 = send(group, alice, "one");                      // change 1
  must(store().message_change(edit_of(m1, alice, "one!", tick())));   // change 2
  model::Message m2 = send(group, alice, "two");                      // change 3
  must(store().message_change(edit_of(m1, alice, "one!!", tick())));  // change 4
  model::Message m3 = send(group, alice, "three");                    // change 5
  ASSERT_EQ(m2.change_seq, 3);
  ASSERT_EQ(m3.change_seq, 5);
  EXPECT_EQ(must(store().member_get(group.id, alice.id)).delivered_change_seq, 5);
  EXPECT_EQ(must(store().member_get(group.id, bob.id)).delivered_change_seq, 0);

  model::Member bob_member = must(store().member_cursor_advance(group.id, bob.id, model::CursorKind::delivered, 1));
  EXPECT_EQ(bob_member.delivered_seq, 1);
  EXPECT_EQ(bob_member.delivered_change_seq, 1);
  // Moving read past delivered moves delivered, and its change_seq, along.
  bob_member = must(store().member_cursor_advance(group.id, bob.id, model::CursorKind::read, 2));
  EXPECT_EQ(bob_member.delivered_seq, 2);
  EXPECT_EQ(bob_member.delivered_change_seq, 3);
  EXPECT_EQ(must(store().member_get(group.id, bob.id)).delivered_change_seq, 3);
  // Going back moves nothing.
  bob_member = must(store().member_cursor_advance(group.id, bob.id, model::CursorKind::delivered, 1));
  EXPECT_EQ(bob_member.delivered_change_seq, 3);
  bob_member = must(store().member_cursor_advance(group.id, bob.id, model::CursorKind::delivered, 3));
  EXPECT_EQ(bob_member.delivered_change_seq, 5);
  // The read cursor alone moving leaves delivered where it was.
  bob_member = must(store().member_cursor_advance(group.id, bob.id, model::CursorKind::read, 3));
  EXPECT_EQ(bob_member.read_seq, 3);
  EXPECT_EQ(bob_member.delivered_change_seq, 5);

  // A send moves its sender's delivered_change_seq to the new message; a later edit does not.
  model::Message m4 = send(group, bob, "four");                     // change 6
  must(store().message_change(edit_of(m4, bob, "four!", tick())));  // change 7
  auto bob_now = must(store().member_get(group.id, bob.id));
  EXPECT_EQ(bob_now.delivered_seq, 4);
  EXPECT_EQ(bob_now.delivered_change_seq, 6);

  auto members = must(store().conversation_get(group.id)).members;
  for (const model::Member& member : members) {
    EXPECT_EQ(member.delivered_change_seq, member.user_id == alice.id ? 5 : 6) << member.user_id;
  }
}

// A client that has applied edits made after the last message says so with a change
// cursor; catch-up then has nothing left to resend. It never goes back, not even when the
// delivered seq moves to a message older than it, and it cannot pass the feed's end.
TEST_P(StoreConformance, DeliveredChangeSeqMovesToAChangeTheClientHas) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Conversation group = add_group(alice, {bob});
  model::Message m1 = send(group, alice, "one");                     // change 1
  send(group, alice, "two");                                          // change 2
  must(store().message_change(edit_of(m1, alice, "one!", tick())));  // change 3
  must(store().message_change(edit_of(m1, alice, "one!!", tick())));  // change 4

  auto only_change = [&](model::Seq seq, model::Seq change_seq) {
    std::promise<Result<model::CursorAdvance>> answer;
    auto outcome = answer.get_future();
    store().member_cursor_advance_async(group.id, bob.id, model::CursorMove{model::CursorKind::delivered, seq, change_seq},
                                        [&answer](Result<model::CursorAdvance> r) { answer.set_value(std::move(r)); });
    return outcome.get();
  };
  // Only the change cursor moves: nothing for the other members to hear about.
  auto advance = must(only_change(0, 3));
  EXPECT_FALSE(advance.moved);
  EXPECT_EQ(advance.member.delivered_seq, 0);
  EXPECT_EQ(advance.member.delivered_change_seq, 3);
  EXPECT_EQ(must(store().member_get(group.id, bob.id)).delivered_change_seq, 3);
  // The delivered seq moving to message 2 (change 2) keeps the change cursor at 3.
  advance = must(only_change(2, 0));
  EXPECT_TRUE(advance.moved);
  EXPECT_EQ(advance.member.delivered_seq, 2);
  EXPECT_EQ(advance.member.delivered_change_seq, 3);
  advance = must(only_change(2, 4));
  EXPECT_FALSE(advance.moved);
  EXPECT_EQ(advance.member.delivered_change_seq, 4);
  // Back and past the end: nothing changes.
  advance = must(only_change(2, 1));
  EXPECT_EQ(advance.member.delivered_change_seq, 4);
  EXPECT_EQ(outcome(only_change(2, 5)), "invalid_argument");
  EXPECT_EQ(outcome(only_change(2, -1)), "invalid_argument");
  EXPECT_EQ(must(store().member_get(group.id, bob.id)).delivered_change_seq, 4);
  // A message after them is a change like any other.
  send(group, alice, "three");  // change 5
  advance = must(only_change(3, 0));
  EXPECT_EQ(advance.member.delivered_change_seq, 5);
}

TEST_P(StoreConformance, DeliveredChangeSeqOfANewcomerIsThatOfTheMessageTheyJoinAt) {
  model::User alice = add_user("alice");
  model::User carol = add_user("carol");
  model::Conversation group = add_group(alice, {});
  model::Message first = send(group, alice, "before carol");
  must(store().message_change(edit_of(first, alice, "before carol, edited", tick())));
  must(store().member_add(group.id, {carol.id}, tick(), kNoMemberLimit));
  auto carol_member = must(store().member_get(group.id, carol.id));
  EXPECT_EQ(carol_member.delivered_seq, 1);
  EXPECT_EQ(carol_member.delivered_change_seq, 1);
}

TEST_P(StoreConformance, ConversationsCarryTheirLastChangeSeq) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::User carol = add_user("carol");
  model::Conversation group = add_group(alice, {bob});
  EXPECT_EQ(group.last_change_seq, 0);
  EXPECT_EQ(add_direct(alice, bob).last_change_seq, 0);

  model::Message message = send(group, alice, "hello");
  must(store().message_change(edit_of(message, alice, "hello!", tick())));
  must(store().message_change(change_of(model::ChangeKind::deleted, message, alice, tick())));
  EXPECT_EQ(must(store().conversation_get(group.id)).last_change_seq, 3);
  EXPECT_EQ(must(store().conversation_get(group.id)).last_seq, 1);
  EXPECT_EQ(must(store().conversation_rename(group.id, "renamed", tick())).last_change_seq, 3);
  EXPECT_EQ(must(store().member_add(group.id, {carol.id}, tick(), kNoMemberLimit)).last_change_seq, 3);
  auto listed = must(store().conversation_list_for_user(bob.id, std::nullopt, 10));
  bool seen = false;
  for (const model::ConversationSummary& summary : listed) {
    if (summary.conversation.id != group.id) continue;
    seen = true;
    EXPECT_EQ(summary.conversation.last_change_seq, 3);
  }
  EXPECT_TRUE(seen);
}

TEST_P(StoreConformance, MessageInsertRetryReturnsTheStoredChangeSeq) {
  model::User alice = add_user("alice");
  model::Conversation group = add_group(alice, {});
  model::NewMessage original = new_message(group, alice, "once");
  model::Message first = must(store().message_insert(original)).message;
  EXPECT_EQ(first.change_seq, 1);
  send(group, alice, "next");

  model::NewMessage retry = original;
  retry.id = new_id();
  retry.created_at = tick();
  auto again = store().message_insert(retry);
  ASSERT_EQ(outcome(again), "ok");
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->message.change_seq, 1);
  EXPECT_EQ(again->message.seq, 1);
  EXPECT_EQ(must(store().conversation_get(group.id)).last_change_seq, 2);
}

// The stored body of an edited or deleted message is no longer the body that was sent,
// so it cannot tell a retry from a reuse of the client id: a retry of such a send is
// recognised by its conversation and reply target and answered with the message as it
// is now. A different conversation is still a conflict.
TEST_P(StoreConformance, MessageInsertRetryOfAMessageChangedSinceIsStillARetry) {
  model::User alice = add_user("alice");
  model::Conversation group = add_group(alice, {});
  model::Conversation other = add_group(alice, {}, "other");
  model::NewMessage edited = new_message(group, alice, "as sent");
  model::Message first = must(store().message_insert(edited)).message;
  model::NewMessage deleted = new_message(group, alice, "soon gone");
  model::Message second = must(store().message_insert(deleted)).message;
  must(store().message_change(edit_of(first, alice, "as edited", tick())));
  must(store().message_change(change_of(model::ChangeKind::deleted, second, alice, tick())));

  model::NewMessage retry = edited;
  retry.id = new_id();
  auto again = store().message_insert(retry);
  ASSERT_EQ(outcome(again), "ok");
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->message.id, first.id);
  EXPECT_EQ(again->message.change_seq, 1);
  EXPECT_EQ(again->message.body, "as edited");

  retry = deleted;
  retry.id = new_id();
  again = store().message_insert(retry);
  ASSERT_EQ(outcome(again), "ok");
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->message.id, second.id);
  EXPECT_EQ(again->message.body, "");
  EXPECT_TRUE(again->message.deleted_at.has_value());

  retry = edited;
  retry.id = new_id();
  retry.conversation_id = other.id;
  EXPECT_EQ(outcome(store().message_insert(retry)), "conflict");
  EXPECT_EQ(must(store().conversation_get(group.id)).last_change_seq, 4);
  EXPECT_EQ(must(store().conversation_get(other.id)).last_change_seq, 0);
}

// Sends and changes queued without waiting may share a commit; the numbers they get are
// still those of their order, each outcome carries its own, and the feed agrees.
TEST_P(StoreConformance, QueuedSendsGetConsecutiveChangeSeqs) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Conversation group = add_group(alice, {bob});
  model::Message earlier = send(group, alice, "earlier");
  must(store().message_change(edit_of(earlier, alice, "earlier, edited", tick())));

  std::vector<model::NewMessage> queued;
  for (int i = 0; i < 6; ++i) queued.push_back(new_message(group, i % 2 == 0 ? alice : bob, "m" + std::to_string(i)));
  std::vector<std::promise<Result<model::SendOutcome>>> answers(queued.size());
  std::vector<std::future<Result<model::SendOutcome>>> outcomes;
  for (auto& answer : answers) outcomes.push_back(answer.get_future());
  for (std::size_t i = 0; i < queued.size(); ++i) {
    store().message_insert_async(
        queued[i], [&answer = answers[i]](Result<model::SendOutcome> sent) { answer.set_value(std::move(sent)); });
  }
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    auto sent = outcomes[i].get();
    ASSERT_EQ(outcome(sent), "ok");
    EXPECT_EQ(sent->message.seq, static_cast<model::Seq>(i + 2));
    EXPECT_EQ(sent->message.change_seq, static_cast<model::Seq>(i + 3));
  }
  EXPECT_EQ(change_seqs_of(must(store().change_list(group.id, 0, 100))),
            (std::vector<model::Seq>{1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(must(store().member_get(group.id, bob.id)).delivered_change_seq, 8);
  EXPECT_EQ(must(store().member_get(group.id, alice.id)).delivered_change_seq, 7);
}

TEST_P(StoreConformance, MessageChangeAsyncCompletesWithTheSameOutcome) {
  model::User alice = add_user("alice");
  model::Conversation group = add_group(alice, {});
  model::Message message = send(group, alice, "async");
  std::promise<Result<model::ChangeOutcome>> answer;
  auto future = answer.get_future();
  store().message_change_async(edit_of(message, alice, "async, edited", tick()),
                               [&answer](Result<model::ChangeOutcome> r) { answer.set_value(std::move(r)); });
  auto changed = future.get();
  ASSERT_EQ(outcome(changed), "ok");
  EXPECT_TRUE(changed->created);
  EXPECT_EQ(changed->change.change_seq, 2);
  EXPECT_TRUE(contains(changed->member_ids, alice.id));
  EXPECT_EQ(must(store().message_list(group.id, std::nullopt, std::nullopt, 1)).at(0).body, "async, edited");
}

// A store that completes in commit order does so for changes too: edits, deletes and
// sends of one conversation queued without waiting commit in the order queued, so two
// quick edits of one message leave the second one's body.
TEST_P(StoreConformance, QueuedChangesAndSendsCommitInTheOrderQueued) {
  if (!store().completes_in_commit_order()) GTEST_SKIP() << "this store does not complete in commit order";
  model::User alice = add_user("alice");
  model::Conversation group = add_group(alice, {});
  model::Message first = send(group, alice, "first");
  model::Message second = send(group, alice, "second");

  std::mutex mutex;
  std::vector<std::pair<std::string, model::Seq>> completed;  // in completion order
  std::vector<std::promise<void>> finished(6);
  auto record = [&](std::size_t index, std::string what, model::Seq change_seq) {
    {
      std::lock_guard lock(mutex);
      completed.emplace_back(std::move(what), change_seq);
    }
    finished[index].set_value();
  };
  auto change = [&](std::size_t index, model::MessageChange queued, std::string what) {
    store().message_change_async(queued, [&, index, what](Result<model::ChangeOutcome> r) {
      record(index, what, r.ok() ? r->change.change_seq : -1);
    });
  };
  auto append = [&](std::size_t index, std::string body) {
    store().message_insert_async(new_message(group, alice, body), [&, index, body](Result<model::SendOutcome> r) {
      record(index, body, r.ok() ? r->message.change_seq : -1);
    });
  };
  change(0, edit_of(first, alice, "edit one", tick()), "edit one");
  append(1, "send one");
  change(2, edit_of(first, alice, "edit two", tick()), "edit two");
  change(3, change_of(model::ChangeKind::deleted, second, alice, tick()), "delete");
  append(4, "send two");
  change(5, edit_of(first, alice, "edit three", tick()), "edit three");
  for (auto& done : finished) done.get_future().wait();

  const std::vector<std::pair<std::string, model::Seq>> expected{
      {"edit one", 3}, {"send one", 4}, {"edit two", 5}, {"delete", 6}, {"send two", 7}, {"edit three", 8}};
  EXPECT_EQ(completed, expected);
  auto history = must(store().message_list(group.id, std::nullopt, std::nullopt, 10));
  EXPECT_EQ(history.at(0).body, "edit three");
  EXPECT_TRUE(history.at(1).deleted_at.has_value());
}

}  // namespace talkline::conformance
