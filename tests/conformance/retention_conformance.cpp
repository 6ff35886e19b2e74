#include "store_conformance.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "model/retention.hpp"

namespace talkline::conformance {

extern const int kRetentionCases = 0;

namespace {

constexpr model::Millis kDay = model::kMillisPerDay;

model::ExpiryRequest expiry_of(const model::Conversation& conversation, model::Millis now,
                               model::Millis default_retention, int limit = 100) {
  model::ExpiryRequest request;
  request.conversation_id = conversation.id;
  request.now = now;
  request.default_retention = default_retention;
  request.limit = limit;
  return request;
}

model::MessageChange thumbs_up(const model::Message& message, const model::User& actor, model::Millis at) {
  model::MessageChange change = change_of(model::ChangeKind::reacted, message, actor, at);
  change.emoji = "👍";
  return change;
}

std::vector<model::Id> ids_of(const std::vector<model::Message>& messages) {
  std::vector<model::Id> ids;
  for (const auto& message : messages) ids.push_back(message.id);
  return ids;
}

std::vector<model::Id> expired_ids(const model::ExpiryOutcome& outcome) {
  std::vector<model::Id> ids;
  for (const auto& change : outcome.changes) ids.push_back(change.message.id);
  return ids;
}

}  // namespace

TEST_P(StoreConformance, ExpiryTurnsOldMessagesIntoTombstonesAsADeleteDoes) {
  model::User owner = add_user("owner");
  model::User bob = add_user("bob");
  model::Conversation group = add_group(owner, {bob});
  model::Message first = send(group, bob, "first words");
  model::Message second = send(group, owner, "second words");
  must(store().message_change(thumbs_up(first, bob, tick())));
  must(store().message_change(change_of(model::ChangeKind::pinned, first, owner, tick())));
  model::Message third = send(group, bob, "third words");
  const model::Seq changes_before = must(store().conversation_get(group.id)).last_change_seq;

  // A day's retention, a day after the second message: the first two are old.
  const model::Millis now = second.created_at + kDay + 1;
  auto outcome = must(store().message_expire(expiry_of(group, now, kDay)));
  EXPECT_EQ(expired_ids(outcome), (std::vector<model::Id>{first.id, second.id}));
  EXPECT_FALSE(outcome.more);
  EXPECT_EQ(outcome.member_ids.size(), 2u);
  for (std::size_t i = 0; i < outcome.changes.size(); ++i) {
    const model::Change& change = outcome.changes[i];
    EXPECT_EQ(change.kind, model::ChangeKind::deleted);
    EXPECT_TRUE(change.expired);
    EXPECT_EQ(change.actor_id, 0);
    EXPECT_EQ(change.at, now);
    EXPECT_EQ(change.change_seq, changes_before + 1 + static_cast<model::Seq>(i));
    EXPECT_EQ(change.message.body, "");
    EXPECT_EQ(change.message.deleted_at, now);
    EXPECT_TRUE(change.message.reactions.empty());
  }

  // Tombstones keep their seqs; the young message is untouched.
  auto history = must(store().message_list(group.id, std::nullopt, std::nullopt, 10));
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[0].seq, 1);
  EXPECT_EQ(history[0].body, "");
  EXPECT_TRUE(history[0].deleted_at.has_value());
  EXPECT_TRUE(history[0].reactions.empty());
  EXPECT_EQ(history[1].seq, 2);
  EXPECT_EQ(history[1].body, "");
  EXPECT_EQ(history[2].body, "third words");
  EXPECT_FALSE(history[2].deleted_at.has_value());
  EXPECT_TRUE(must(store().pin_list(group.id)).empty());
  EXPECT_TRUE(must(store().message_search(owner.id, {"first"}, std::nullopt, std::nullopt, 10)).empty());
  EXPECT_TRUE(must(store().message_search(owner.id, {"second"}, std::nullopt, std::nullopt, 10)).empty());
  EXPECT_EQ(ids_of(must(store().message_search(owner.id, {"words"}, std::nullopt, std::nullopt, 10))),
            (std::vector<model::Id>{third.id}));

  // The feed has both expiries, without an actor, and every earlier entry of the first
  // message shows the tombstone.
  auto feed = must(store().change_list(group.id, 0, 20));
  ASSERT_EQ(feed.size(), static_cast<std::size_t>(changes_before + 2));
  for (const model::Change& entry : feed) {
    if (entry.message.id == first.id) {
      EXPECT_EQ(entry.message.body, "");
    }
  }
  const model::Change& last = feed.back();
  EXPECT_EQ(last.kind, model::ChangeKind::deleted);
  EXPECT_TRUE(last.expired);
  EXPECT_EQ(last.actor_id, 0);
  EXPECT_EQ(last.message.id, second.id);
  EXPECT_EQ(must(store().conversation_get(group.id)).last_change_seq, changes_before + 2);

  // A user's delete still names its actor.
  auto deleted = must(store().message_change(change_of(model::ChangeKind::deleted, third, bob, tick())));
  EXPECT_FALSE(deleted.change.expired);
  EXPECT_EQ(deleted.change.actor_id, bob.id);
  EXPECT_FALSE(must(store().change_list(group.id, changes_before + 2, 1)).at(0).expired);
}

TEST_P(StoreConformance, ExpiryFollowsTheConversationsOwnRetentionOrTheServers) {
  model::User owner = add_user("owner");
  model::Conversation own = add_group(owner, {}, "own");
  model::Conversation server = add_group(owner, {}, "server");
  model::Message in_own = send(own, owner, "kept two days");
  model::Message in_server = send(server, owner, "kept as the server says");

  auto set = must(store().conversation_set_retention(own.id, 2));
  EXPECT_EQ(set.retention_days, 2);
  EXPECT_EQ(set.members.size(), 1u);
  EXPECT_EQ(must(store().conversation_get(own.id)).retention_days, 2);
  EXPECT_FALSE(must(store().conversation_get(server.id)).retention_days.has_value());

  // The server keeps messages forever: only the conversation's own two days apply.
  const model::Millis later = in_server.created_at + 2 * kDay + 1;
  EXPECT_TRUE(must(store().message_expire(expiry_of(server, later, 0))).changes.empty());
  EXPECT_EQ(must(store().conversations_due_for_expiry(later, 0, 0, 10)), (std::vector<model::Id>{own.id}));
  EXPECT_EQ(expired_ids(must(store().message_expire(expiry_of(own, later, 0)))),
            (std::vector<model::Id>{in_own.id}));

  // Back to the server's retention (null); a conversation's own days never lengthen it.
  model::Message next = send(own, owner, "next");
  EXPECT_FALSE(must(store().conversation_set_retention(own.id, std::nullopt)).retention_days.has_value());
  EXPECT_TRUE(must(store().message_expire(expiry_of(own, next.created_at + kDay, 3 * kDay))).changes.empty());
  must(store().conversation_set_retention(own.id, 30));
  EXPECT_EQ(expired_ids(must(store().message_expire(expiry_of(own, next.created_at + kDay + 1, kDay)))),
            (std::vector<model::Id>{next.id}));
  EXPECT_EQ(expired_ids(must(store().message_expire(expiry_of(server, later, kDay)))),
            (std::vector<model::Id>{in_server.id}));
}

TEST_P(StoreConformance, SettingARetentionIsIdempotentAndNeedsAConversation) {
  model::User owner = add_user("owner");
  model::Conversation group = add_group(owner, {});
  EXPECT_EQ(must(store().conversation_set_retention(group.id, 7)).retention_days, 7);
  EXPECT_EQ(must(store().conversation_set_retention(group.id, 7)).retention_days, 7);
  EXPECT_EQ(must(store().conversation_get(group.id)).retention_days, 7);
  EXPECT_FALSE(must(store().conversation_set_retention(group.id, std::nullopt)).retention_days.has_value());
  EXPECT_FALSE(must(store().conversation_set_retention(group.id, std::nullopt)).retention_days.has_value());
  EXPECT_EQ(outcome(store().conversation_set_retention(new_id(), 7)), "not_found");
  model::Conversation absent;
  absent.id = new_id();
  EXPECT_EQ(outcome(store().message_expire(expiry_of(absent, now(), kDay))), "not_found");
}

TEST_P(StoreConformance, ASecondSweepExpiresNothingNew) {
  model::User owner = add_user("owner");
  model::Conversation group = add_group(owner, {});
  model::Message first = send(group, owner, "one");
  model::Message second = send(group, owner, "two");
  must(store().message_change(change_of(model::ChangeKind::deleted, first, owner, tick())));
  const model::Millis now = second.created_at + kDay + 1;

  // The message a user deleted already is passed over: one expiry, for the other.
  EXPECT_EQ(must(store().conversations_due_for_expiry(now, kDay, 0, 10)), (std::vector<model::Id>{group.id}));
  EXPECT_EQ(expired_ids(must(store().message_expire(expiry_of(group, now, kDay)))),
            (std::vector<model::Id>{second.id}));
  const model::Seq changes = must(store().conversation_get(group.id)).last_change_seq;
  EXPECT_EQ(changes, 4);

  EXPECT_TRUE(must(store().conversations_due_for_expiry(now, kDay, 0, 10)).empty());
  auto again = must(store().message_expire(expiry_of(group, now + kDay, kDay)));
  EXPECT_TRUE(again.changes.empty());
  EXPECT_FALSE(again.more);
  EXPECT_EQ(must(store().conversation_get(group.id)).last_change_seq, changes);

  // Messages sent since are judged on their own age.
  model::Message third = send(group, owner, "three");
  EXPECT_TRUE(must(store().message_expire(expiry_of(group, third.created_at + 1, kDay))).changes.empty());
  EXPECT_EQ(expired_ids(must(store().message_expire(expiry_of(group, third.created_at + kDay + 1, kDay)))),
            (std::vector<model::Id>{third.id}));
}

TEST_P(StoreConformance, ExpiryLooksAtNoMoreMessagesThanItsLimit) {
  model::User owner = add_user("owner");
  model::Conversation group = add_group(owner, {});
  std::vector<model::Message> sent;
  for (int i = 0; i < 5; ++i) sent.push_back(send(group, owner, "m" + std::to_string(i)));
  const model::Millis now = sent.back().created_at + kDay + 1;

  auto batch = must(store().message_expire(expiry_of(group, now, kDay, 2)));
  EXPECT_EQ(expired_ids(batch), (std::vector<model::Id>{sent[0].id, sent[1].id}));
  EXPECT_TRUE(batch.more);
  batch = must(store().message_expire(expiry_of(group, now, kDay, 2)));
  EXPECT_EQ(expired_ids(batch), (std::vector<model::Id>{sent[2].id, sent[3].id}));
  EXPECT_TRUE(batch.more);
  batch = must(store().message_expire(expiry_of(group, now, kDay, 2)));
  EXPECT_EQ(expired_ids(batch), (std::vector<model::Id>{sent[4].id}));
  EXPECT_FALSE(batch.more);
  EXPECT_EQ(outcome(store().message_expire(expiry_of(group, now, kDay, 0))), "invalid_argument");
}

TEST_P(StoreConformance, ConversationsDueForExpiryArePagedByIdAndStopAtTheFirstYoungMessage) {
  model::User owner = add_user("owner");
  model::Conversation a = add_group(owner, {}, "a");
  model::Conversation b = add_group(owner, {}, "b");
  model::Conversation c = add_group(owner, {}, "c");
  model::Conversation empty = add_group(owner, {}, "empty");
  model::Message in_a = send(a, owner, "a");
  send(b, owner, "b");
  model::Message in_c = send(c, owner, "c");
  const model::Millis now = in_c.created_at + kDay + 1;

  EXPECT_EQ(must(store().conversations_due_for_expiry(now, kDay, 0, 10)),
            (std::vector<model::Id>{a.id, b.id, c.id}));
  EXPECT_EQ(must(store().conversations_due_for_expiry(now, kDay, 0, 2)), (std::vector<model::Id>{a.id, b.id}));
  EXPECT_EQ(must(store().conversations_due_for_expiry(now, kDay, b.id, 2)), (std::vector<model::Id>{c.id}));
  // Nothing is due with the server keeping messages forever, or before their time.
  EXPECT_TRUE(must(store().conversations_due_for_expiry(now, 0, 0, 10)).empty());
  EXPECT_EQ(must(store().conversations_due_for_expiry(in_a.created_at + kDay + 1, kDay, 0, 10)),
            (std::vector<model::Id>{a.id}));
  (void)empty;
}

// Where retention meets attachments and mentions: an expiry frees what a delete frees.
TEST_P(StoreConformance, AnExpiryFreesTheAttachmentsAndMentionsOfAMessageAsADeleteDoes) {
  model::User ann = add_user("ann");
  model::User bob = add_user("bob");
  model::Conversation group = add_group(ann, {bob});
  model::Upload photo;
  photo.id = new_id();
  photo.uploader_id = ann.id;
  photo.size = 10;
  photo.content_type = "image/png";
  photo.sha256 = std::string(64, 'a');
  photo.blob_key = "u/" + std::to_string(photo.id);
  photo.file_name = "photo.png";
  photo.created_at = tick();
  photo.thumbnail = model::Thumbnail{"t/" + std::to_string(photo.id), 5, 4, 4};
  must(store().upload_insert(photo, 0, 0));
  model::NewMessage request = new_message(group, ann, "@bob look");
  request.attachment_ids = {photo.id};
  request.mention_names = {"bob"};
  model::Message old = must(store().message_insert(request)).message;
  ASSERT_EQ(old.attachments.size(), 1u);
  ASSERT_EQ(old.mentions, (std::vector<model::Id>{bob.id}));
  must(store().message_change(thumbs_up(old, bob, tick())));
  must(store().message_change(change_of(model::ChangeKind::pinned, old, ann, tick())));
  model::NewMessage answer = new_message(group, bob, "nice");
  answer.reply_to = old.id;
  answer.created_at = old.created_at + kDay;
  model::Message reply = must(store().message_insert(answer)).message;
  EXPECT_EQ(must(store().mention_count(group.id, bob.id, 0)), 1);

  auto expiry = must(store().message_expire(expiry_of(group, old.created_at + kDay / 2 * 3, kDay)));
  ASSERT_EQ(expired_ids(expiry), (std::vector<model::Id>{old.id}));
  const model::Message& tombstone = expiry.changes.at(0).message;
  EXPECT_TRUE(tombstone.attachments.empty());
  EXPECT_TRUE(tombstone.mentions.empty());
  EXPECT_TRUE(tombstone.reactions.empty());

  // The upload row is gone and both blobs wait to be freed, in the expiry's commit.
  EXPECT_EQ(outcome(store().upload_get(photo.id)), "not_found");
  std::vector<std::string> released = must(store().blob_release_list("", 10));
  std::sort(released.begin(), released.end());
  std::vector<std::string> expected{photo.blob_key, photo.thumbnail->blob_key};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(released, expected);

  // No mention is left to count, in the summary nor by the count.
  EXPECT_EQ(must(store().mention_count(group.id, bob.id, 0)), 0);
  for (const auto& summary : must(store().conversation_list_for_user(bob.id, std::nullopt, 10))) {
    if (summary.conversation.id == group.id) {
      EXPECT_EQ(summary.mention_count, 0);
    }
  }
  EXPECT_TRUE(must(store().pin_list(group.id)).empty());

  // Every view shows the tombstone bare, and the reply previews it as deleted.
  auto history = must(store().message_list(group.id, std::nullopt, std::nullopt, 10));
  ASSERT_EQ(history.size(), 2u);
  EXPECT_TRUE(history[0].attachments.empty());
  EXPECT_TRUE(history[0].mentions.empty());
  EXPECT_EQ(history[1].id, reply.id);
  ASSERT_TRUE(history[1].reply_preview.has_value());
  EXPECT_TRUE(history[1].reply_preview->deleted);
  EXPECT_EQ(history[1].reply_preview->body, "");

  // A retry of the expired send answers with the tombstone, not a conflict.
  model::NewMessage retry = request;
  retry.id = new_id();
  auto again = must(store().message_insert(retry));
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.message.id, old.id);
  EXPECT_TRUE(again.message.deleted_at.has_value());
  EXPECT_TRUE(again.message.mentions.empty());
}

}  // namespace talkline::conformance
