#include <thread>

#include "service_fixture.hpp"

namespace talkline::testing {
namespace {

class MessageServiceTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    alice_ = make_user("alice");
    bob_ = make_user("bob");
    eve_ = make_user("eve");
    auto direct = conversations_->open_direct(alice_, bob_.user_id);
    ASSERT_TRUE(direct.ok());
    conversation_ = direct->conversation.id;
  }

  services::Principal alice_, bob_, eve_;
  model::Id conversation_ = 0;
};

TEST_F(MessageServiceTest, SendAssignsConsecutiveSeqs) {
  EXPECT_EQ(send(alice_, conversation_, "a1", "one").seq, 1);
  EXPECT_EQ(send(bob_, conversation_, "b1", "two").seq, 2);
  EXPECT_EQ(send(alice_, conversation_, "a2", "three").seq, 3);
}

TEST_F(MessageServiceTest, RetryWithSameClientIdReturnsSameMessage) {
  auto first = messages_->send(alice_, {conversation_, "retry-1", "hello", std::nullopt, {}});
  auto retry = messages_->send(alice_, {conversation_, "retry-1", "hello", std::nullopt, {}});
  ASSERT_TRUE(first.ok() && retry.ok());
  EXPECT_TRUE(first->created);
  EXPECT_FALSE(retry->created);
  EXPECT_EQ(retry->message.id, first->message.id);
  EXPECT_EQ(retry->message.seq, first->message.seq);
  auto history = messages_->history(alice_, conversation_, std::nullopt, std::nullopt, std::nullopt);
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history->items.size(), 1u);
}

TEST_F(MessageServiceTest, RetryAfterBeingRemovedStillGetsTheOriginal) {
  auto group = conversations_->create_group(alice_, "Team", {bob_.user_id});
  ASSERT_TRUE(group.ok());
  auto first = messages_->send(bob_, {group->id, "late-ack", "hello", std::nullopt, {}});
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(conversations_->remove_member(alice_, group->id, bob_.user_id).ok());
  auto retry = messages_->send(bob_, {group->id, "late-ack", "hello", std::nullopt, {}});
  ASSERT_TRUE(retry.ok());
  EXPECT_EQ(retry->message.id, first->message.id);
  EXPECT_EQ(messages_->send(bob_, {group->id, "new-one", "hello", std::nullopt, {}}).error().code, ErrorCode::not_found);
}

TEST_F(MessageServiceTest, SameClientIdWithDifferentReplyToConflicts) {
  auto original = send(alice_, conversation_, "r1", "first");
  send(alice_, conversation_, "r2", "second");
  auto other = messages_->send(alice_, {conversation_, "r2", "second", original.id, {}});
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, ErrorCode::conflict);
}

TEST_F(MessageServiceTest, SameClientIdWithDifferentBodyConflicts) {
  send(alice_, conversation_, "dup", "hello");
  auto other = messages_->send(alice_, {conversation_, "dup", "goodbye", std::nullopt, {}});
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, ErrorCode::conflict);
}

TEST_F(MessageServiceTest, BodiesAreValidatedAndStoredByteExact) {
  const std::string exotic = "  👩‍👩‍👧 e\u0301 مرحبا שלום 漢字\nline\tTab  ";
  EXPECT_EQ(send(alice_, conversation_, "exotic", exotic).body, exotic);

  std::string longest;
  for (int i = 0; i < 4000; ++i) longest += "😀";
  EXPECT_TRUE(messages_->send(alice_, {conversation_, "long", longest, std::nullopt, {}}).ok());
  for (const std::string& bad : {std::string(), std::string("a\x07"), std::string("\xC3\x28"), std::string("a\rb"),
                                 std::string(4001, 'x'), std::string("nul\0byte", 8)}) {
    auto result = messages_->send(alice_, {conversation_, "bad", bad, std::nullopt, {}});
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, ErrorCode::invalid_argument);
    EXPECT_EQ(result.error().fields.at(0).field, "body");
  }
  EXPECT_EQ(messages_->send(alice_, {conversation_, "", "x", std::nullopt, {}}).error().fields.at(0).field, "clientMsgId");
  auto history = messages_->history(alice_, conversation_, std::nullopt, std::nullopt, std::nullopt);
  EXPECT_EQ(history->items.size(), 2u);
}

TEST_F(MessageServiceTest, HistoryPagesInBothDirections) {
  for (int i = 1; i <= 25; ++i) send(alice_, conversation_, "m" + std::to_string(i), "message " + std::to_string(i));
  auto latest = messages_->history(bob_, conversation_, std::nullopt, std::nullopt, std::string_view("10"));
  ASSERT_TRUE(latest.ok());
  ASSERT_EQ(latest->items.size(), 10u);
  EXPECT_EQ(latest->items.front().seq, 16);
  EXPECT_EQ(latest->items.back().seq, 25);
  EXPECT_EQ(latest->next_cursor, "16");

  auto older = messages_->history(bob_, conversation_, std::string_view("6"), std::nullopt, std::string_view("10"));
  ASSERT_TRUE(older.ok());
  ASSERT_EQ(older->items.size(), 5u);
  EXPECT_EQ(older->items.front().seq, 1);
  EXPECT_FALSE(older->next_cursor.has_value());

  auto forward = messages_->history(bob_, conversation_, std::nullopt, std::string_view("0"), std::string_view("10"));
  ASSERT_TRUE(forward.ok());
  EXPECT_EQ(forward->items.front().seq, 1);
  EXPECT_EQ(forward->next_cursor, "10");

  EXPECT_FALSE(
      messages_->history(bob_, conversation_, std::string_view("5"), std::string_view("1"), std::nullopt).ok());
  EXPECT_FALSE(messages_->history(bob_, conversation_, std::nullopt, std::nullopt, std::string_view("101")).ok());
  EXPECT_FALSE(messages_->history(bob_, conversation_, std::nullopt, std::nullopt, std::string_view("0")).ok());
}

TEST_F(MessageServiceTest, ReadCursorOnlyMovesForward) {
  for (int i = 1; i <= 5; ++i) send(alice_, conversation_, "m" + std::to_string(i), "hi");
  auto read = messages_->mark_read(bob_, conversation_, 4);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->read_seq, 4);
  EXPECT_GE(read->delivered_seq, 4);
  auto back = messages_->mark_read(bob_, conversation_, 2);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->read_seq, 4);
  EXPECT_EQ(messages_->mark_read(bob_, conversation_, 6).error().code, ErrorCode::invalid_argument);
  auto summary = conversations_->get(bob_, conversation_);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->unread_count, 1);
}

TEST_F(MessageServiceTest, SearchFindsOnlyTheCallersConversations) {
  auto private_group = conversations_->create_group(eve_, "Eve only", {});
  ASSERT_TRUE(private_group.ok());
  send(eve_, private_group->id, "e1", "the secret banana plan");
  send(alice_, conversation_, "a1", "a banana for bob");
  send(bob_, conversation_, "b1", "thanks for the banana");
  send(bob_, conversation_, "b2", "unrelated words");

  auto hits = messages_->search(alice_, "banana", std::nullopt, std::nullopt, std::nullopt);
  ASSERT_TRUE(hits.ok());
  ASSERT_EQ(hits->items.size(), 2u);
  EXPECT_EQ(hits->items[0].body, "thanks for the banana");  // newest first
  for (const auto& hit : hits->items) EXPECT_EQ(hit.conversation_id, conversation_);

  auto paged = messages_->search(alice_, "banana", std::nullopt, std::nullopt, std::string_view("1"));
  ASSERT_TRUE(paged.ok());
  ASSERT_TRUE(paged->next_cursor.has_value());
  auto rest = messages_->search(alice_, "banana", std::nullopt, *paged->next_cursor, std::string_view("1"));
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->items.size(), 1u);
  EXPECT_EQ(rest->items[0].body, "a banana for bob");

  const auto foreign = std::to_string(private_group->id);
  EXPECT_EQ(messages_->search(alice_, "banana", std::string_view(foreign), std::nullopt, std::nullopt).error().code,
            ErrorCode::not_found);
  for (const char* odd : {"\"", "*", "NEAR(", "a OR", "-x", "banana\"", "(banana)"}) {
    auto result = messages_->search(alice_, odd, std::nullopt, std::nullopt, std::nullopt);
    EXPECT_TRUE(result.ok() || result.error().code == ErrorCode::invalid_argument) << odd;
  }
}

TEST_F(MessageServiceTest, ConcurrentSendsGetGapFreeSeqs) {
  constexpr int kThreads = 8;
  constexpr int kEach = 25;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto who = (i % 2 == 0) ? alice_ : bob_;
        auto sent =
            messages_->send(who, {conversation_, "t" + std::to_string(t) + "-" + std::to_string(i), "x", std::nullopt, {}});
        EXPECT_TRUE(sent.ok());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::vector<model::Seq> seqs;
  std::optional<std::string> after = "0";
  while (after) {
    auto page = messages_->history(alice_, conversation_, std::nullopt, *after, std::string_view("100"));
    ASSERT_TRUE(page.ok());
    for (const auto& m : page->items) seqs.push_back(m.seq);
    after = page->next_cursor;
  }
  ASSERT_EQ(seqs.size(), static_cast<std::size_t>(kThreads * kEach));
  for (std::size_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], static_cast<model::Seq>(i + 1));
}

}  // namespace
}  // namespace talkline::testing
