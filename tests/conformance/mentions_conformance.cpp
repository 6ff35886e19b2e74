#include "store_conformance.hpp"

#include <algorithm>
#include <future>
#include <string>
#include <vector>

namespace talkline::conformance {

extern const int kMentionCases = 0;

namespace {

model::Seq mention_count_of(store::Store& store, const model::Conversation& conversation, const model::User& user) {
  const model::Member member = must(store.member_get(conversation.id, user.id));
  return must(store.mention_count(conversation.id, user.id, member.read_seq));
}

model::Seq listed_mention_count(store::Store& store, const model::Conversation& conversation, const model::User& user) {
  for (const auto& summary : must(store.conversation_list_for_user(user.id, std::nullopt, 50))) {
    if (summary.conversation.id == conversation.id) return summary.mention_count;
  }
  throw SetupFailed("conversation not listed");
}

}  // namespace

TEST_P(StoreConformance, MentionsResolveToMembersOnlyInTheSendsCommit) {
  model::User ann = add_user("ann");
  model::User bob = add_user("bob");
  model::User carol = add_user("carol");
  add_user("dave");  // exists, but is not a member
  model::Conversation group = add_group(ann, {bob, carol});

  model::NewMessage request = new_message(group, ann, "@bob @dave @nobody and @carol");
  request.mention_names = {"bob", "dave", "nobody", "carol"};
  auto sent = must(store().message_insert(request));
  EXPECT_TRUE(sent.created);
  EXPECT_EQ(sent.message.mentions, (std::vector<model::Id>{bob.id, carol.id}));

  auto history = must(store().message_list(group.id, std::nullopt, std::nullopt, 10));
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0].mentions, (std::vector<model::Id>{bob.id, carol.id}));
  auto feed = must(store().change_list(group.id, 0, 10));
  ASSERT_EQ(feed.size(), 1u);
  EXPECT_EQ(feed[0].message.mentions, (std::vector<model::Id>{bob.id, carol.id}));

  // A retry answers with the same mentions and records none twice.
  auto retried = must(store().message_insert(request));
  EXPECT_FALSE(retried.created);
  EXPECT_EQ(retried.message.mentions, (std::vector<model::Id>{bob.id, carol.id}));
  EXPECT_EQ(mention_count_of(store(), group, bob), 1);

  model::Message plain = send(group, ann, "nobody here");
  EXPECT_TRUE(plain.mentions.empty());
}

TEST_P(StoreConformance, MentionNamesOfAnyBytesAreMatchedLiterallyAndNeverFailTheSend) {
  model::User ann = add_user("ann");
  model::User bob = add_user("bob");
  model::Conversation group = add_group(ann, {bob});
  // Names a parser would never hand over, each quoting or delimiting in JSON, SQL or an
  // array literal; only the plain "bob" names anyone.
  model::NewMessage request = new_message(group, ann, "odd names");
  request.mention_names = {"b\"ob",       "bob\\", "\"]", "x\",\"bob", "{bob}", "bob,ann",
                           "' OR 1=1 --", "NULL",  "%",   "_",         "",      "bob"};
  auto sent = must(store().message_insert(request));
  EXPECT_EQ(sent.message.mentions, (std::vector<model::Id>{bob.id}));

  model::MessageChange edit = change_of(model::ChangeKind::edited, sent.message, ann, tick());
  edit.body = "edited";
  edit.mention_names = {"ann\"", "[\"ann\"]", "ann"};
  EXPECT_EQ(must(store().message_change(edit)).change.message.mentions, (std::vector<model::Id>{ann.id}));
}

TEST_P(StoreConformance, MentionCountIsAboveTheReadCursorAndFollowsIt) {
  model::User ann = add_user("ann");
  model::User bob = add_user("bob");
  model::Conversation group = add_group(ann, {bob});
  for (int i = 0; i < 3; ++i) {
    model::NewMessage request = new_message(group, ann, "hey @bob " + std::to_string(i));
    request.mention_names = {"bob"};
    must(store().message_insert(request));
  }
  send(group, ann, "no mention");
  EXPECT_EQ(mention_count_of(store(), group, bob), 3);
  EXPECT_EQ(listed_mention_count(store(), group, bob), 3);
  EXPECT_EQ(listed_mention_count(store(), group, ann), 0);

  must(store().member_cursor_advance(group.id, bob.id, model::CursorKind::read, 2));
  EXPECT_EQ(mention_count_of(store(), group, bob), 1);
  EXPECT_EQ(listed_mention_count(store(), group, bob), 1);
  must(store().member_cursor_advance(group.id, bob.id, model::CursorKind::read, 4));
  EXPECT_EQ(listed_mention_count(store(), group, bob), 0);
}

TEST_P(StoreConformance, AnEditResolvesTheMentionsOfItsNewBody) {
  model::User ann = add_user("ann");
  model::User bob = add_user("bob");
  model::User carol = add_user("carol");
  model::Conversation group = add_group(ann, {bob, carol});
  model::NewMessage request = new_message(group, ann, "@bob look");
  request.mention_names = {"bob"};
  model::Message message = must(store().message_insert(request)).message;

  model::MessageChange edit = change_of(model::ChangeKind::edited, message, ann, tick());
  edit.body = "@carol look";
  edit.mention_names = {"carol"};
  auto edited = must(store().message_change(edit));
  EXPECT_EQ(edited.change.message.mentions, (std::vector<model::Id>{carol.id}));
  EXPECT_EQ(mention_count_of(store(), group, bob), 0);
  EXPECT_EQ(mention_count_of(store(), group, carol), 1);
  auto history = must(store().message_list(group.id, std::nullopt, std::nullopt, 10));
  EXPECT_EQ(history.at(0).mentions, (std::vector<model::Id>{carol.id}));

  model::MessageChange none = change_of(model::ChangeKind::edited, message, ann, tick());
  none.body = "look";
  EXPECT_TRUE(must(store().message_change(none)).change.message.mentions.empty());
  EXPECT_EQ(mention_count_of(store(), group, carol), 0);
}

TEST_P(StoreConformance, ADeleteDropsTheMentionsAndTheirCount) {
  model::User ann = add_user("ann");
  model::User bob = add_user("bob");
  model::Conversation group = add_group(ann, {bob});
  model::NewMessage request = new_message(group, ann, "@bob psst");
  request.mention_names = {"bob"};
  model::Message message = must(store().message_insert(request)).message;
  EXPECT_EQ(listed_mention_count(store(), group, bob), 1);

  auto deleted = must(store().message_change(change_of(model::ChangeKind::deleted, message, ann, tick())));
  EXPECT_TRUE(deleted.change.message.mentions.empty());
  EXPECT_EQ(mention_count_of(store(), group, bob), 0);
  EXPECT_EQ(listed_mention_count(store(), group, bob), 0);
  EXPECT_TRUE(must(store().message_list(group.id, std::nullopt, std::nullopt, 10)).at(0).mentions.empty());
}

TEST_P(StoreConformance, RepliesCarryAPreviewOfTheirTargetAsItIsNow) {
  model::User ann = add_user("ann");
  model::User bob = add_user("bob");
  model::Conversation group = add_group(ann, {bob});
  model::Message target = send(group, ann, "the question");
  model::NewMessage request = new_message(group, bob, "the answer");
  request.reply_to = target.id;
  model::Message reply = must(store().message_insert(request)).message;
  ASSERT_TRUE(reply.reply_preview);
  EXPECT_EQ(reply.reply_preview->id, target.id);
  EXPECT_EQ(reply.reply_preview->seq, target.seq);
  EXPECT_EQ(reply.reply_preview->sender_id, ann.id);
  EXPECT_EQ(reply.reply_preview->body, "the question");
  EXPECT_FALSE(reply.reply_preview->deleted);
  EXPECT_FALSE(target.reply_preview);

  model::MessageChange edit = change_of(model::ChangeKind::edited, target, ann, tick());
  edit.body = "the better question";
  must(store().message_change(edit));
  auto history = must(store().message_list(group.id, std::nullopt, std::nullopt, 10));
  ASSERT_EQ(history.size(), 2u);
  EXPECT_FALSE(history[0].reply_preview);
  ASSERT_TRUE(history[1].reply_preview);
  EXPECT_EQ(history[1].reply_preview->body, "the better question");

  must(store().message_change(change_of(model::ChangeKind::deleted, target, ann, tick())));
  auto feed = must(store().change_list(group.id, 0, 10));
  ASSERT_FALSE(feed.empty());
  for (const auto& change : feed) {
    if (change.message.id != reply.id) continue;
    ASSERT_TRUE(change.message.reply_preview);
    EXPECT_TRUE(change.message.reply_preview->deleted);
    EXPECT_EQ(change.message.reply_preview->body, "");
  }
  must(store().message_change(change_of(model::ChangeKind::pinned, reply, ann, tick())));
  auto pins = must(store().pin_list(group.id));
  ASSERT_EQ(pins.size(), 1u);
  ASSERT_TRUE(pins[0].message.reply_preview);
  EXPECT_TRUE(pins[0].message.reply_preview->deleted);
}

TEST_P(StoreConformance, APageOfRepliesReadsEveryTargetsPreview) {
  model::User ann = add_user("ann");
  model::Conversation group = add_group(ann, {});
  std::vector<model::Message> targets;
  for (int i = 0; i < 3; ++i) targets.push_back(send(group, ann, "target " + std::to_string(i)));
  for (int i = 2; i >= 0; --i) {
    model::NewMessage request = new_message(group, ann, "reply " + std::to_string(i));
    request.reply_to = targets[static_cast<std::size_t>(i)].id;
    must(store().message_insert(request));
  }
  auto history = must(store().message_list(group.id, std::nullopt, std::nullopt, 10));
  ASSERT_EQ(history.size(), 6u);
  for (std::size_t i = 3; i < 6; ++i) {
    ASSERT_TRUE(history[i].reply_preview);
    EXPECT_EQ(history[i].reply_preview->id, *history[i].reply_to);
    EXPECT_EQ(history[i].reply_preview->body, "target " + std::to_string(5 - i));
  }
}

// Sends queued together may commit as one group (PostgreSQL's batch statement): each
// message still gets exactly its own mentions, and a reply in the group its preview.
TEST_P(StoreConformance, SendsCommittedTogetherEachGetTheirOwnMentions) {
  model::User ann = add_user("ann");
  model::User bob = add_user("bob");
  model::User carol = add_user("carol");
  model::Conversation group = add_group(ann, {bob, carol});
  model::Message target = send(group, ann, "target");
  constexpr int kSends = 12;
  std::vector<std::promise<Result<model::SendOutcome>>> answers(kSends);
  for (int i = 0; i < kSends; ++i) {
    model::NewMessage request = new_message(group, ann, "batch " + std::to_string(i));
    if (i % 3 == 0) request.mention_names = {"bob"};
    if (i % 3 == 1) request.mention_names = {"carol", "bob", "nobody"};
    if (i % 4 == 0) request.reply_to = target.id;
    store().message_insert_async(request, [&answers, i](Result<model::SendOutcome> outcome) {
      answers[static_cast<std::size_t>(i)].set_value(std::move(outcome));
    });
  }
  for (int i = 0; i < kSends; ++i) {
    auto outcome = must(answers[static_cast<std::size_t>(i)].get_future().get());
    std::vector<model::Id> expected;
    if (i % 3 == 0) expected = {bob.id};
    if (i % 3 == 1) expected = {std::min(bob.id, carol.id), std::max(bob.id, carol.id)};
    EXPECT_EQ(outcome.message.mentions, expected) << "send " << i;
    EXPECT_EQ(outcome.message.reply_preview.has_value(), i % 4 == 0) << "send " << i;
    if (outcome.message.reply_preview) {
      EXPECT_EQ(outcome.message.reply_preview->body, "target");
    }
  }
  EXPECT_EQ(must(store().mention_count(group.id, bob.id, 0)), 8);
  EXPECT_EQ(must(store().mention_count(group.id, carol.id, 0)), 4);
}

}  // namespace talkline::conformance
