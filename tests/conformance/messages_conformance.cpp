#include "store_conformance.hpp"

#include <future>

namespace talkline::conformance {

extern const int kMessageCases = 0;

namespace {

std::vector<model::Seq> seqs_of(const std::vector<model::Message>& messages) {
  std::vector<model::Seq> seqs;
  for (const model::Message& message : messages) seqs.push_back(message.seq);
  return seqs;
}

}  // namespace

TEST_P(StoreConformance, MessageInsertNumbersEachConversationFromOneWithoutGaps) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Conversation first = add_group(alice, {bob});
  model::Conversation second = add_direct(alice, bob);
  for (model::Seq expected = 1; expected <= 5; ++expected) {
    model::NewMessage message = new_message(first, expected % 2 == 0 ? bob : alice, "hi");
    auto sent = store().message_insert(message);
    ASSERT_EQ(outcome(sent), "ok");
    EXPECT_TRUE(sent->created);
    EXPECT_EQ(sent->message.seq, expected);
    EXPECT_EQ(sent->message.id, message.id);
    EXPECT_EQ(sent->message.conversation_id, first.id);
    EXPECT_EQ(sent->message.sender_id, message.sender_id);
    EXPECT_EQ(sent->message.client_msg_id, message.client_msg_id);
    EXPECT_EQ(sent->message.created_at, message.created_at);
    EXPECT_FALSE(sent->message.reply_to.has_value());
    EXPECT_FALSE(sent->message.edited_at.has_value());
  }
  EXPECT_EQ(send(second, bob, "other conversation").seq, 1);
  auto conversation = must(store().conversation_get(first.id));
  EXPECT_EQ(conversation.last_seq, 5);
  EXPECT_EQ(seqs_of(must(store().message_list(first.id, std::nullopt, std::nullopt, 10))),
            (std::vector<model::Seq>{1, 2, 3, 4, 5}));
}

TEST_P(StoreConformance, MessageInsertRecordsActivityAndMovesTheSendersCursors) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Conversation group = add_group(alice, {bob});
  send(group, alice, "one");
  model::Message two = send(group, bob, "two");
  EXPECT_EQ(must(store().conversation_get(group.id)).last_activity_at, two.created_at);
  auto bob_member = must(store().member_get(group.id, bob.id));
  EXPECT_EQ(bob_member.read_seq, 2);
  EXPECT_EQ(bob_member.delivered_seq, 2);
  auto alice_member = must(store().member_get(group.id, alice.id));
  EXPECT_EQ(alice_member.read_seq, 1);
  EXPECT_EQ(alice_member.delivered_seq, 1);
}

TEST_P(StoreConformance, MessageInsertRetryReturnsTheOriginalWithoutANewRow) {
  model::User alice = add_user("alice");
  model::Conversation group = add_group(alice, {});
  model::NewMessage original = new_message(group, alice, "exactly once");
  model::Message first = must(store().message_insert(original)).message;

  model::NewMessage retry = original;
  retry.id = new_id();  // a retry arrives with a fresh candidate id and time
  retry.created_at = tick();
  auto again = store().message_insert(retry);
  ASSERT_EQ(outcome(again), "ok");
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->message.id, first.id);
  EXPECT_EQ(again->message.seq, first.seq);
  EXPECT_EQ(again->message.created_at, first.created_at);
  EXPECT_EQ(again->message.body, "exactly once");
  EXPECT_EQ(must(store().message_list(group.id, std::nullopt, std::nullopt, 10)).size(), 1U);
  EXPECT_EQ(must(store().conversation_get(group.id)).last_seq, 1);
  EXPECT_EQ(send(group, alice, "next").seq, 2);
}

TEST_P(StoreConformance, MessageInsertWithAReusedClientIdForOtherContentIsAConflict) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Conversation group = add_group(alice, {bob});
  model::Conversation other = add_direct(alice, bob);
  model::NewMessage original = new_message(group, alice, "first body");
  must(store().message_insert(original));

  model::NewMessage different_body = original;
  different_body.id = new_id();
  different_body.body = "second body";
  EXPECT_EQ(outcome(store().message_insert(different_body)), "conflict");

  model::NewMessage different_conversation = original;
  different_conversation.id = new_id();
  different_conversation.conversation_id = other.id;
  EXPECT_EQ(outcome(store().message_insert(different_conversation)), "conflict");

  EXPECT_EQ(must(store().conversation_get(group.id)).last_seq, 1);
  EXPECT_EQ(must(store().conversation_get(other.id)).last_seq, 0);
  EXPECT_EQ(send(group, alice, "after the conflict").seq, 2);
}

TEST_P(StoreConformance, MessageInsertClientIdsAreScopedToTheSender) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Conversation group = add_group(alice, {bob});
  model::NewMessage from_alice = new_message(group, alice, "same words");
  from_alice.client_msg_id = "shared-id";
  model::NewMessage from_bob = new_message(group, bob, "same words");
  from_bob.client_msg_id = "shared-id";
  EXPECT_TRUE(must(store().message_insert(from_alice)).created);
  auto second = store().message_insert(from_bob);
  ASSERT_EQ(outcome(second), "ok");
  EXPECT_TRUE(second->created);
  EXPECT_EQ(second->message.seq, 2);
}

TEST_P(StoreConformance, MessageInsertByANonMemberIsNotFound) {
  model::User alice = add_user("alice");
  model::User mallory = add_user("mallory");
  model::Conversation group = add_group(alice, {});
  EXPECT_EQ(outcome(store().message_insert(new_message(group, mallory, "let me in"))), "not_found");
  model::Conversation missing = group;
  missing.id = new_id();
  EXPECT_EQ(outcome(store().message_insert(new_message(missing, alice, "anyone?"))), "not_found");
  EXPECT_EQ(must(store().conversation_get(group.id)).last_seq, 0);
}

TEST_P(StoreConformance, MessageInsertChecksTheReplyTarget) {
  model::User alice = add_user("alice");
  model::Conversation group = add_group(alice, {});
  model::Conversation elsewhere = add_group(alice, {}, "elsewhere");
  model::Message question = send(group, alice, "question?");
  model::Message foreign = send(elsewhere, alice, "unrelated");

  model::NewMessage answer = new_message(group, alice, "answer");
  answer.reply_to = question.id;
  auto replied = store().message_insert(answer);
  ASSERT_EQ(outcome(replied), "ok");
  EXPECT_EQ(replied->message.reply_to, std::optional<model::Id>(question.id));
  EXPECT_EQ(must(store().message_list(group.id, std::nullopt, std::nullopt, 10)).back().reply_to,
            std::optional<model::Id>(question.id));

  model::NewMessage cross = new_message(group, alice, "cross");
  cross.reply_to = foreign.id;
  auto rejected = store().message_insert(cross);
  EXPECT_EQ(outcome(rejected), "invalid_argument");
  EXPECT_EQ(field_of(rejected), "replyTo");

  model::NewMessage dangling = new_message(group, alice, "dangling");
  dangling.reply_to = new_id();
  rejected = store().message_insert(dangling);
  EXPECT_EQ(outcome(rejected), "invalid_argument");
  EXPECT_EQ(field_of(rejected), "replyTo");
  EXPECT_EQ(must(store().conversation_get(group.id)).last_seq, 2);
}

TEST_P(StoreConformance, MessageInsertWithATakenIdIsAConflictAndLeavesNoGap) {
  model::User alice = add_user("alice");
  model::Conversation group = add_group(alice, {});
  model::Message first = send(group, alice, "first");
  model::NewMessage clash = new_message(group, alice, "clash");
  clash.id = first.id;
  EXPECT_EQ(outcome(store().message_insert(clash)), "conflict");
  EXPECT_EQ(must(store().conversation_get(group.id)).last_seq, 1);
  EXPECT_EQ(send(group, alice, "second").seq, 2);
}

TEST_P(StoreConformance, MessageBodiesRoundTripByteExact) {
  model::User alice = add_user("alice");
  model::Conversation group = add_group(alice, {});
  const std::vector<std::string> bodies = {
      "plain ascii",
      "emoji \xF0\x9F\x98\x80 and family \xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7",
      "combining: e\xCC\x81 vs \xC3\xA9, n\xCC\x83",
      "RTL: \xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D \xD8\xB9\xD8\xA7\xD9\x84\xD9\x85 \xE2\x80\x8F!",
      "lines\nand\r\nbreaks\n",
      "\ttabs\tinside\t",
      "  leading and trailing spaces  ",
      "quotes ' \" ` and backslash \\ and percent %",
      std::string(4000, 'x'),
      std::string(1000, 'a') + "\xE2\x82\xAC" + std::string(1000, 'b'),
  };
  for (const std::string& body : bodies) {
    auto sent = store().message_insert(new_message(group, alice, body));
    ASSERT_EQ(outcome(sent), "ok");
    EXPECT_EQ(sent->message.body, body);
  }
  auto stored = must(store().message_list(group.id, std::nullopt, std::nullopt, 100));
  ASSERT_EQ(stored.size(), bodies.size());
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    EXPECT_EQ(stored[i].body.size(), bodies[i].size()) << "body " << i;
    EXPECT_EQ(stored[i].body, bodies[i]) << "body " << i;
  }
  auto list = must(store().conversation_list_for_user(alice.id, std::nullopt, 1));
  ASSERT_TRUE(list.at(0).last_message.has_value());
  EXPECT_EQ(list[0].last_message->body, bodies.back());
}

TEST_P(StoreConformance, MessageListReturnsAscendingWindows) {
  model::User alice = add_user("alice");
  model::Conversation group = add_group(alice, {});
  for (int i = 0; i < 10; ++i) send(group, alice, "m" + std::to_string(i + 1));
  using Seqs = std::vector<model::Seq>;
  EXPECT_EQ(seqs_of(must(store().message_list(group.id, std::nullopt, std::nullopt, 3))), (Seqs{8, 9, 10}));
  EXPECT_EQ(seqs_of(must(store().message_list(group.id, std::nullopt, std::nullopt, 50))),
            (Seqs{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  EXPECT_EQ(seqs_of(must(store().message_list(group.id, model::Seq{5}, std::nullopt, 3))), (Seqs{2, 3, 4}));
  EXPECT_EQ(seqs_of(must(store().message_list(group.id, model::Seq{3}, std::nullopt, 5))), (Seqs{1, 2}));
  EXPECT_EQ(seqs_of(must(store().message_list(group.id, model::Seq{1}, std::nullopt, 5))), Seqs{});
  EXPECT_EQ(seqs_of(must(store().message_list(group.id, std::nullopt, model::Seq{7}, 2))), (Seqs{8, 9}));
  EXPECT_EQ(seqs_of(must(store().message_list(group.id, std::nullopt, model::Seq{8}, 5))), (Seqs{9, 10}));
  EXPECT_EQ(seqs_of(must(store().message_list(group.id, std::nullopt, model::Seq{10}, 5))), Seqs{});
  EXPECT_EQ(seqs_of(must(store().message_list(group.id, std::nullopt, model::Seq{0}, 2))), (Seqs{1, 2}));
  auto window = must(store().message_list(group.id, std::nullopt, std::nullopt, 1));
  ASSERT_EQ(window.size(), 1U);
  EXPECT_EQ(window[0].body, "m10");
}

TEST_P(StoreConformance, MessageListOfAnEmptyConversationIsEmpty) {
  model::User alice = add_user("alice");
  model::Conversation group = add_group(alice, {});
  EXPECT_TRUE(must(store().message_list(group.id, std::nullopt, std::nullopt, 10)).empty());
}

// Sends queued without waiting may be committed together (PostgreSQL's append writer
// takes them as one batch); each must still get the outcome it would get alone, in
// order, and only the new ones take seqs.
TEST_P(StoreConformance, MessageInsertAsyncQueuedTogetherGivesEachSendItsOwnOutcome) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::User mallory = add_user("mallory");
  model::Conversation group = add_group(alice, {bob});
  model::Conversation elsewhere = add_group(alice, {}, "elsewhere");
  model::NewMessage stored = new_message(group, alice, "stored before");
  model::Message earlier = must(store().message_insert(stored)).message;
  model::Message foreign = send(elsewhere, alice, "unrelated");

  std::vector<model::NewMessage> queued;
  queued.push_back(new_message(group, alice, "new one"));
  model::NewMessage retry = stored;
  retry.id = new_id();
  queued.push_back(retry);
  model::NewMessage conflict = stored;
  conflict.id = new_id();
  conflict.body = "other words";
  queued.push_back(conflict);
  queued.push_back(new_message(group, mallory, "let me in"));
  model::NewMessage bad_reply = new_message(group, bob, "answer to elsewhere");
  bad_reply.reply_to = foreign.id;
  queued.push_back(bad_reply);
  model::NewMessage good_reply = new_message(group, bob, "answer");
  good_reply.reply_to = earlier.id;
  queued.push_back(good_reply);
  model::NewMessage repeated = queued[0];  // the first send, retried while still queued
  repeated.id = new_id();
  queued.push_back(repeated);
  queued.push_back(new_message(elsewhere, alice, "new elsewhere"));
  queued.push_back(new_message(group, bob, "last one"));

  std::vector<std::promise<Result<model::SendOutcome>>> answers(queued.size());
  std::vector<std::future<Result<model::SendOutcome>>> outcomes;
  for (auto& answer : answers) outcomes.push_back(answer.get_future());
  for (std::size_t i = 0; i < queued.size(); ++i) {
    store().message_insert_async(
        queued[i], [&answer = answers[i]](Result<model::SendOutcome> sent) { answer.set_value(std::move(sent)); });
  }
  std::vector<Result<model::SendOutcome>> sent;
  for (auto& future : outcomes) sent.push_back(future.get());

  ASSERT_EQ(outcome(sent[0]), "ok");
  EXPECT_TRUE(sent[0]->created);
  EXPECT_EQ(sent[0]->message.seq, 2);
  ASSERT_EQ(outcome(sent[1]), "ok");
  EXPECT_FALSE(sent[1]->created);
  EXPECT_EQ(sent[1]->message.id, earlier.id);
  EXPECT_EQ(sent[1]->message.seq, 1);
  EXPECT_EQ(outcome(sent[2]), "conflict");
  EXPECT_EQ(outcome(sent[3]), "not_found");
  EXPECT_EQ(outcome(sent[4]), "invalid_argument");
  EXPECT_EQ(field_of(sent[4]), "replyTo");
  ASSERT_EQ(outcome(sent[5]), "ok");
  EXPECT_TRUE(sent[5]->created);
  EXPECT_EQ(sent[5]->message.seq, 3);
  EXPECT_EQ(sent[5]->message.reply_to, std::optional<model::Id>(earlier.id));
  ASSERT_EQ(outcome(sent[6]), "ok");
  EXPECT_FALSE(sent[6]->created);
  EXPECT_EQ(sent[6]->message.id, queued[0].id);
  EXPECT_EQ(sent[6]->message.seq, 2);
  ASSERT_EQ(outcome(sent[7]), "ok");
  EXPECT_EQ(sent[7]->message.seq, 2);
  ASSERT_EQ(outcome(sent[8]), "ok");
  EXPECT_EQ(sent[8]->message.seq, 4);

  EXPECT_EQ(seqs_of(must(store().message_list(group.id, std::nullopt, std::nullopt, 10))),
            (std::vector<model::Seq>{1, 2, 3, 4}));
  EXPECT_EQ(must(store().conversation_get(group.id)).last_seq, 4);
  EXPECT_EQ(must(store().conversation_get(group.id)).last_activity_at, queued[8].created_at);
  EXPECT_EQ(must(store().member_get(group.id, bob.id)).read_seq, 4);
  EXPECT_EQ(must(store().member_get(group.id, alice.id)).read_seq, 2);
}

}  // namespace talkline::conformance
