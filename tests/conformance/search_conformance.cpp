#include "store_conformance.hpp"

namespace talkline::conformance {

extern const int kSearchCases = 0;

namespace {

std::vector<model::Id> ids_of(const std::vector<model::Message>& messages) {
  std::vector<model::Id> ids;
  for (const model::Message& message : messages) ids.push_back(message.id);
  return ids;
}

using Ids = std::vector<model::Id>;
using Terms = std::vector<std::string>;

}  // namespace

TEST_P(StoreConformance, SearchFindsMessagesContainingEveryTerm) {
  model::User alice = add_user("alice");
  model::Conversation group = add_group(alice, {});
  model::Message both = send(group, alice, "Hello, wonderful world!");
  send(group, alice, "hello there");
  model::Message world = send(group, alice, "goodbye world");

  auto hits = store().message_search(alice.id, {"hello", "world"}, std::nullopt, std::nullopt, 10);
  ASSERT_EQ(outcome(hits), "ok");
  EXPECT_EQ(ids_of(*hits), Ids{both.id});
  ASSERT_EQ(hits->size(), 1U);
  EXPECT_EQ((*hits)[0].body, "Hello, wonderful world!");
  EXPECT_EQ((*hits)[0].conversation_id, group.id);
  EXPECT_EQ((*hits)[0].seq, both.seq);

  EXPECT_EQ(ids_of(must(store().message_search(alice.id, {"WORLD"}, std::nullopt, std::nullopt, 10))),
            (Ids{world.id, both.id}));
  EXPECT_TRUE(must(store().message_search(alice.id, {"absent"}, std::nullopt, std::nullopt, 10)).empty());
}

TEST_P(StoreConformance, SearchIgnoresCaseAndAccents) {
  model::User alice = add_user("alice");
  model::Conversation group = add_group(alice, {});
  model::Message cafe = send(group, alice, "Meet at the CAF\xC3\x89 near the station");
  EXPECT_EQ(ids_of(must(store().message_search(alice.id, {"cafe"}, std::nullopt, std::nullopt, 10))), Ids{cafe.id});
  EXPECT_EQ(ids_of(must(store().message_search(alice.id, {"caf\xC3\xA9"}, std::nullopt, std::nullopt, 10))),
            Ids{cafe.id});
}

TEST_P(StoreConformance, SearchNeverReturnsOtherPeoplesConversations) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::User eve = add_user("eve");
  model::Conversation ours = add_group(alice, {bob});
  model::Conversation bobs = add_direct(bob, eve);
  model::Message mine = send(ours, bob, "secret plans");
  model::Message not_mine = send(bobs, bob, "secret plans too");

  EXPECT_EQ(ids_of(must(store().message_search(alice.id, {"secret"}, std::nullopt, std::nullopt, 10))), Ids{mine.id});
  EXPECT_EQ(ids_of(must(store().message_search(bob.id, {"secret"}, std::nullopt, std::nullopt, 10))),
            (Ids{not_mine.id, mine.id}));
  EXPECT_TRUE(must(store().message_search(alice.id, {"secret"}, bobs.id, std::nullopt, 10)).empty());

  must(store().member_remove(ours.id, alice.id, tick()));
  EXPECT_TRUE(must(store().message_search(alice.id, {"secret"}, std::nullopt, std::nullopt, 10)).empty());
  EXPECT_TRUE(must(store().message_search(new_id(), {"secret"}, std::nullopt, std::nullopt, 10)).empty());
}

TEST_P(StoreConformance, SearchMatchesBodiesOnlyNeverConversationBookkeeping) {
  model::User alice = add_user("alice");
  model::Conversation group = add_group(alice, {});
  send(group, alice, "nothing to see");
  // However a backend narrows searches to a conversation, that key is not body text.
  const std::string key = "c" + std::to_string(group.id);
  EXPECT_TRUE(must(store().message_search(alice.id, {key}, std::nullopt, std::nullopt, 10)).empty());
  EXPECT_TRUE(must(store().message_search(alice.id, {std::to_string(group.id)}, group.id, std::nullopt, 10)).empty());
}

TEST_P(StoreConformance, SearchCanBeLimitedToOneConversation) {
  model::User alice = add_user("alice");
  model::Conversation first = add_group(alice, {}, "first");
  model::Conversation second = add_group(alice, {}, "second");
  model::Message in_first = send(first, alice, "lunch today?");
  model::Message in_second = send(second, alice, "lunch tomorrow?");
  EXPECT_EQ(ids_of(must(store().message_search(alice.id, {"lunch"}, first.id, std::nullopt, 10))), Ids{in_first.id});
  EXPECT_EQ(ids_of(must(store().message_search(alice.id, {"lunch"}, second.id, std::nullopt, 10))), Ids{in_second.id});
}

TEST_P(StoreConformance, SearchPagesNewestFirstBeforeAnId) {
  model::User alice = add_user("alice");
  model::Conversation group = add_group(alice, {});
  std::vector<model::Message> hits;
  for (int i = 0; i < 5; ++i) {
    hits.push_back(send(group, alice, "report number " + std::to_string(i)));
    send(group, alice, "noise " + std::to_string(i));
  }
  auto page1 = must(store().message_search(alice.id, {"report"}, std::nullopt, std::nullopt, 2));
  EXPECT_EQ(ids_of(page1), (Ids{hits[4].id, hits[3].id}));
  auto page2 = must(store().message_search(alice.id, {"report"}, std::nullopt, page1.back().id, 2));
  EXPECT_EQ(ids_of(page2), (Ids{hits[2].id, hits[1].id}));
  auto page3 = must(store().message_search(alice.id, {"report"}, std::nullopt, page2.back().id, 2));
  EXPECT_EQ(ids_of(page3), (Ids{hits[0].id}));
  EXPECT_TRUE(must(store().message_search(alice.id, {"report"}, std::nullopt, hits[0].id, 2)).empty());
}

TEST_P(StoreConformance, SearchTreatsQuerySyntaxInTermsAsText) {
  model::User alice = add_user("alice");
  model::Conversation group = add_group(alice, {});
  model::Message near = send(group, alice, "we live NEAR the river, not far");
  send(group, alice, "a \"quoted\" word * star - dash (paren) col:on ^caret");

  const std::vector<Terms> hostile = {
      {"\""},
      {"\"\""},
      {"a\"b"},
      {"*"},
      {"pre*"},
      {"NEAR"},
      {"NEAR(a b)"},
      {"-"},
      {"-river"},
      {"AND"},
      {"OR"},
      {"NOT"},
      {"river", "OR", "far"},
      {"("},
      {")"},
      {"body:river"},
      {"^river"},
      {"{body}"},
      {":"},
      {""},
      {"   "},
      {"'"},
      {"\\"},
      {"%"},
      {"_"},
      {"+"},
      {"\xF0\x9F\x98\x80"},
  };
  for (const Terms& terms : hostile) {
    auto result = store().message_search(alice.id, terms, std::nullopt, std::nullopt, 10);
    EXPECT_EQ(outcome(result), "ok") << "terms[0] = [" << terms.front() << "]";
  }
  EXPECT_EQ(ids_of(must(store().message_search(alice.id, {"NEAR"}, std::nullopt, std::nullopt, 10))), Ids{near.id});
  EXPECT_EQ(ids_of(must(store().message_search(alice.id, {"river", "NOT"}, std::nullopt, std::nullopt, 10))),
            (Ids{near.id}));
  EXPECT_TRUE(must(store().message_search(alice.id, {"river", "OR", "star"}, std::nullopt, std::nullopt, 10)).empty());
}

TEST_P(StoreConformance, SearchWithoutTermsIsInvalid) {
  model::User alice = add_user("alice");
  auto result = store().message_search(alice.id, {}, std::nullopt, std::nullopt, 10);
  EXPECT_EQ(outcome(result), "invalid_argument");
}

}  // namespace talkline::conformance
