#include "store_conformance.hpp"

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

namespace talkline::conformance {

extern const int kReactionCases = 0;

namespace {

const std::string kThumbsUp = "\xF0\x9F\x91\x8D";
const std::string kParty = "\xF0\x9F\x8E\x89";
const std::string kHeart = "\xE2\x9D\xA4\xEF\xB8\x8F";  // with its variation selector

model::MessageChange reaction_of(const model::Message& message, const model::User& actor, const std::string& emoji,
                                 bool add, model::Millis at) {
  model::MessageChange change =
      change_of(add ? model::ChangeKind::reacted : model::ChangeKind::unreacted, message, actor, at);
  change.emoji = emoji;
  return change;
}

/// (emoji, count) of each reaction, in the message's order.
std::vector<std::tuple<std::string, int>> counts_of(const model::Message& message) {
  std::vector<std::tuple<std::string, int>> counts;
  for (const auto& reaction : message.reactions) {
    counts.emplace_back(reaction.emoji, reaction.count);
    EXPECT_FALSE(reaction.me.has_value()) << "stores leave `me` to the views";
  }
  return counts;
}


}  // namespace

TEST_P(StoreConformance, ReactionsAreCountedPerEmojiByTheirEarliestReaction) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::User carol = add_user("carol");
  model::Conversation group = add_group(alice, {bob, carol});
  model::Message message = send(group, alice, "react to me");

  auto first = must(store().message_change(reaction_of(message, bob, kParty, true, tick())));
  EXPECT_TRUE(first.created);
  EXPECT_EQ(first.change.kind, model::ChangeKind::reacted);
  EXPECT_EQ(first.change.emoji, kParty);
  EXPECT_EQ(first.change.actor_id, bob.id);
  EXPECT_EQ(first.change.change_seq, 2);
  EXPECT_EQ(counts_of(first.change.message), (std::vector<std::tuple<std::string, int>>{{kParty, 1}}));
  auto members = first.member_ids;
  std::sort(members.begin(), members.end());
  EXPECT_EQ(members, (std::vector<model::Id>{alice.id, bob.id, carol.id}));
  must(store().message_change(reaction_of(message, carol, kThumbsUp, true, tick())));
  auto third = must(store().message_change(reaction_of(message, alice, kParty, true, tick())));
  EXPECT_EQ(counts_of(third.change.message), (std::vector<std::tuple<std::string, int>>{{kParty, 2}, {kThumbsUp, 1}}));

  auto history = must(store().message_list(group.id, std::nullopt, std::nullopt, 10));
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(counts_of(history[0]), (std::vector<std::tuple<std::string, int>>{{kParty, 2}, {kThumbsUp, 1}}));
  EXPECT_EQ(must(store().conversation_get(group.id)).last_change_seq, 4);

  auto removed = must(store().message_change(reaction_of(message, bob, kParty, false, tick())));
  EXPECT_TRUE(removed.created);
  EXPECT_EQ(removed.change.kind, model::ChangeKind::unreacted);
  EXPECT_EQ(removed.change.emoji, kParty);
  // Ordered by each emoji's earliest reaction now there: the party's is alice's, after carol's.
  EXPECT_EQ(counts_of(removed.change.message), (std::vector<std::tuple<std::string, int>>{{kThumbsUp, 1}, {kParty, 1}}));
}

TEST_P(StoreConformance, ReactionsAreInTheFeedAndOnEveryMessageAStoreReturns) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Conversation group = add_group(alice, {bob});
  model::NewMessage sent = new_message(group, alice, "findable words here");
  model::Message message = must(store().message_insert(sent)).message;
  must(store().message_change(reaction_of(message, bob, kHeart, true, tick())));
  must(store().message_change(reaction_of(message, bob, kHeart, false, tick())));
  must(store().message_change(reaction_of(message, alice, kThumbsUp, true, tick())));

  auto feed = must(store().change_list(group.id, 0, 10));
  ASSERT_EQ(feed.size(), 4u);
  const std::vector<model::ChangeKind> kinds{feed[0].kind, feed[1].kind, feed[2].kind, feed[3].kind};
  EXPECT_EQ(kinds, (std::vector<model::ChangeKind>{model::ChangeKind::created, model::ChangeKind::reacted,
                                                   model::ChangeKind::unreacted, model::ChangeKind::reacted}));
  EXPECT_EQ(feed[0].emoji, "");
  EXPECT_EQ(feed[1].emoji, kHeart);
  EXPECT_EQ(feed[2].emoji, kHeart);
  EXPECT_EQ(feed[3].emoji, kThumbsUp);
  for (const auto& entry : feed) {
    EXPECT_EQ(counts_of(entry.message), (std::vector<std::tuple<std::string, int>>{{kThumbsUp, 1}}))
        << "every entry carries the message as it is now, change " << entry.change_seq;
  }
  EXPECT_EQ(must(store().change_list(group.id, 2, 1)).at(0).kind, model::ChangeKind::unreacted);

  auto found = must(store().message_search(bob.id, {"findable"}, std::nullopt, std::nullopt, 10));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(counts_of(found[0]), (std::vector<std::tuple<std::string, int>>{{kThumbsUp, 1}}));

  auto listed = must(store().conversation_list_for_user(bob.id, std::nullopt, 10));
  ASSERT_EQ(listed.size(), 1u);
  ASSERT_TRUE(listed[0].last_message.has_value());
  EXPECT_EQ(counts_of(*listed[0].last_message), (std::vector<std::tuple<std::string, int>>{{kThumbsUp, 1}}));

  model::NewMessage retry = sent;
  retry.id = new_id();
  auto again = must(store().message_insert(retry));
  EXPECT_FALSE(again.created);
  EXPECT_EQ(counts_of(again.message), (std::vector<std::tuple<std::string, int>>{{kThumbsUp, 1}}));
}

TEST_P(StoreConformance, AddingAReactionTwiceOrRemovingAnAbsentOneChangesNothing) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Conversation group = add_group(alice, {bob});
  model::Message message = send(group, alice, "hi");

  auto added = must(store().message_change(reaction_of(message, bob, kThumbsUp, true, tick())));
  auto again = must(store().message_change(reaction_of(message, bob, kThumbsUp, true, tick())));
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.change.change_seq, added.change.change_seq);
  EXPECT_EQ(again.change.kind, model::ChangeKind::reacted);

  auto never = store().message_change(reaction_of(message, bob, kParty, false, tick()));
  EXPECT_EQ(outcome(never), "not_found");
  EXPECT_EQ(message_of(never), "reaction not found");

  auto removed = must(store().message_change(reaction_of(message, bob, kThumbsUp, false, tick())));
  auto removed_again = must(store().message_change(reaction_of(message, bob, kThumbsUp, false, tick())));
  EXPECT_FALSE(removed_again.created);
  EXPECT_EQ(removed_again.change.change_seq, removed.change.change_seq);
  EXPECT_EQ(removed_again.change.kind, model::ChangeKind::unreacted);
  EXPECT_TRUE(removed_again.change.message.reactions.empty());

  // Added again after a removal: a new change, and its latest is what a repeat answers.
  auto readded = must(store().message_change(reaction_of(message, bob, kThumbsUp, true, tick())));
  EXPECT_TRUE(readded.created);
  EXPECT_EQ(must(store().message_change(reaction_of(message, bob, kThumbsUp, true, tick()))).change.change_seq,
            readded.change.change_seq);
  EXPECT_EQ(must(store().conversation_get(group.id)).last_change_seq, 4);
}

TEST_P(StoreConformance, ReactionRefusalsComeInTheContractsOrder) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::User mallory = add_user("mallory");
  model::Conversation group = add_group(alice, {bob});
  model::Conversation elsewhere = add_group(mallory, {});
  model::Message message = send(group, alice, "hi");
  model::Message foreign = send(elsewhere, mallory, "not yours");

  EXPECT_EQ(message_of(store().message_change(reaction_of(message, mallory, kThumbsUp, true, tick()))),
            "conversation not found");
  model::MessageChange wrong_place = reaction_of(foreign, bob, kThumbsUp, true, tick());
  wrong_place.conversation_id = group.id;
  EXPECT_EQ(message_of(store().message_change(wrong_place)), "message not found");

  must(store().message_change(reaction_of(message, bob, kThumbsUp, true, tick())));
  auto deleted = must(store().message_change(change_of(model::ChangeKind::deleted, message, alice, tick())));
  EXPECT_TRUE(deleted.change.message.reactions.empty()) << "a tombstone keeps no reactions";
  auto late = store().message_change(reaction_of(message, bob, kParty, true, tick()));
  EXPECT_EQ(outcome(late), "conflict");
  EXPECT_EQ(message_of(late), "the message was deleted");
  EXPECT_TRUE(must(store().message_list(group.id, std::nullopt, std::nullopt, 10)).at(0).reactions.empty());
  EXPECT_TRUE(must(store().reactions_of_user(bob.id, group.id, {message.seq})).empty());
  for (const auto& entry : must(store().change_list(group.id, 0, 10))) {
    EXPECT_EQ(entry.emoji, "") << "a deleted message's reaction entries keep no emoji, change " << entry.change_seq;
  }
  EXPECT_EQ(must(store().conversation_get(group.id)).last_change_seq, 3);
}

TEST_P(StoreConformance, ANewEmojiPastTheLimitIsRefusedButAnExistingOneStillCounts) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Conversation group = add_group(alice, {bob});
  model::Message message = send(group, alice, "hi");
  auto limited = [&](const model::User& actor, const std::string& emoji) {
    model::MessageChange change = reaction_of(message, actor, emoji, true, tick());
    change.max_reactions = 2;
    return store().message_change(change);
  };
  EXPECT_EQ(outcome(limited(alice, kThumbsUp)), "ok");
  EXPECT_EQ(outcome(limited(alice, kParty)), "ok");
  auto refused = limited(alice, kHeart);
  EXPECT_EQ(outcome(refused), "invalid_argument");
  ASSERT_FALSE(refused.ok());
  ASSERT_EQ(refused.error().fields.size(), 1u);
  EXPECT_EQ(refused.error().fields[0].field, "emoji");
  EXPECT_EQ(refused.error().fields[0].message, "a message holds at most 2 different reactions");
  EXPECT_EQ(outcome(limited(bob, kParty)), "ok") << "one more of an emoji already there";
  EXPECT_EQ(counts_of(must(store().message_list(group.id, std::nullopt, std::nullopt, 1)).at(0)),
            (std::vector<std::tuple<std::string, int>>{{kThumbsUp, 1}, {kParty, 2}}));
}

TEST_P(StoreConformance, AReactionRetryIsRecognisedByItsKeyAndEmoji) {
  model::User alice = add_user("alice");
  model::Conversation group = add_group(alice, {});
  model::Message message = send(group, alice, "hi");
  model::MessageChange keyed = reaction_of(message, alice, kThumbsUp, true, tick());
  keyed.client_change_id = "react-1";
  auto first = must(store().message_change(keyed));
  must(store().message_change(reaction_of(message, alice, kThumbsUp, false, tick())));
  auto retry = must(store().message_change(keyed));
  EXPECT_FALSE(retry.created);
  EXPECT_EQ(retry.change.change_seq, first.change.change_seq);
  EXPECT_TRUE(retry.change.message.reactions.empty()) << "the message as it is now";

  model::MessageChange other_emoji = reaction_of(message, alice, kParty, true, tick());
  other_emoji.client_change_id = "react-1";
  auto refused = store().message_change(other_emoji);
  EXPECT_EQ(outcome(refused), "conflict");
  EXPECT_EQ(message_of(refused), "clientChangeId was already used for a different change");
  EXPECT_EQ(must(store().conversation_get(group.id)).last_change_seq, 3);
}

TEST_P(StoreConformance, ReactionsOfAUserAreTheirsAlone) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Conversation group = add_group(alice, {bob});
  model::Message first = send(group, alice, "one");
  model::Message second = send(group, alice, "two");
  model::Message third = send(group, alice, "three");
  must(store().message_change(reaction_of(first, bob, kThumbsUp, true, tick())));
  must(store().message_change(reaction_of(first, bob, kParty, true, tick())));
  must(store().message_change(reaction_of(third, bob, kHeart, true, tick())));
  must(store().message_change(reaction_of(second, alice, kThumbsUp, true, tick())));

  auto marks = must(store().reactions_of_user(bob.id, group.id, {first.seq, second.seq}));
  std::vector<std::tuple<model::Seq, std::string>> seen;
  for (const auto& mark : marks) seen.emplace_back(mark.seq, mark.emoji);
  std::sort(seen.begin(), seen.end());
  std::vector<std::tuple<model::Seq, std::string>> expected{{first.seq, kThumbsUp}, {first.seq, kParty}};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(seen, expected) << "only the seqs asked for, only bob's";
  EXPECT_TRUE(must(store().reactions_of_user(bob.id, group.id, {})).empty());
}

}  // namespace talkline::conformance
