#include "store_conformance.hpp"

#include <algorithm>

namespace talkline::conformance {

extern const int kConversationCases = 0;

namespace {

const model::Member* member_of(const model::Conversation& conversation, model::Id user_id) {
  auto found = std::find_if(conversation.members.begin(), conversation.members.end(),
                            [&](const model::Member& m) { return m.user_id == user_id; });
  return found == conversation.members.end() ? nullptr : &*found;
}

std::vector<model::Id> ids_of(const std::vector<model::ConversationSummary>& summaries) {
  std::vector<model::Id> ids;
  for (const auto& summary : summaries) ids.push_back(summary.conversation.id);
  return ids;
}

}  // namespace

TEST_P(StoreConformance, DirectCreateIsIdempotentPerPair) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::NewDirectConversation first{new_id(), alice.id, bob.id, tick()};
  auto created = store().conversation_create_direct(first);
  ASSERT_EQ(outcome(created), "ok");
  EXPECT_TRUE(created->created);
  const model::Conversation& conversation = created->conversation;
  EXPECT_EQ(conversation.id, first.id);
  EXPECT_EQ(conversation.kind, model::ConversationKind::direct);
  EXPECT_EQ(conversation.created_by, alice.id);
  EXPECT_EQ(conversation.created_at, first.created_at);
  EXPECT_EQ(conversation.last_activity_at, first.created_at);
  EXPECT_EQ(conversation.last_seq, 0);
  ASSERT_EQ(conversation.members.size(), 2U);
  EXPECT_NE(member_of(conversation, alice.id), nullptr);
  EXPECT_NE(member_of(conversation, bob.id), nullptr);

  // Either member asking again, with a new candidate id, gets the same conversation.
  auto again = store().conversation_create_direct({new_id(), bob.id, alice.id, tick()});
  ASSERT_EQ(outcome(again), "ok");
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->conversation.id, first.id);
  EXPECT_EQ(again->conversation.members.size(), 2U);
  EXPECT_EQ(ids_of(must(store().conversation_list_for_user(alice.id, std::nullopt, 10))),
            std::vector<model::Id>{first.id});
}

TEST_P(StoreConformance, DirectCreateNeedsBothUsers) {
  model::User alice = add_user("alice");
  model::NewDirectConversation direct{new_id(), alice.id, alice.id + 1000, tick()};
  EXPECT_EQ(outcome(store().conversation_create_direct(direct)), "not_found");
  EXPECT_EQ(outcome(store().conversation_get(direct.id)), "not_found");
}

TEST_P(StoreConformance, DirectConversationsOfDifferentPairsAreDistinct) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::User carol = add_user("carol");
  model::Conversation ab = add_direct(alice, bob);
  model::Conversation ac = add_direct(alice, carol);
  EXPECT_NE(ab.id, ac.id);
}

TEST_P(StoreConformance, GroupCreateMakesTheCreatorOwner) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::User carol = add_user("carol");
  model::NewGroupConversation group{new_id(), "Weekend", alice.id, {bob.id, carol.id}, tick()};
  auto created = store().conversation_create_group(group);
  ASSERT_EQ(outcome(created), "ok");
  EXPECT_EQ(created->id, group.id);
  EXPECT_EQ(created->kind, model::ConversationKind::group);
  EXPECT_EQ(created->title, "Weekend");
  EXPECT_EQ(created->created_by, alice.id);
  EXPECT_EQ(created->last_seq, 0);
  EXPECT_EQ(created->last_activity_at, group.created_at);
  ASSERT_EQ(created->members.size(), 3U);
  ASSERT_NE(member_of(*created, alice.id), nullptr);
  EXPECT_EQ(member_of(*created, alice.id)->role, model::MemberRole::owner);
  ASSERT_NE(member_of(*created, bob.id), nullptr);
  EXPECT_EQ(member_of(*created, bob.id)->role, model::MemberRole::member);
  EXPECT_EQ(member_of(*created, bob.id)->joined_at, group.created_at);
  EXPECT_EQ(member_of(*created, bob.id)->read_seq, 0);
  ASSERT_NE(member_of(*created, carol.id), nullptr);

  auto fetched = store().conversation_get(group.id);
  ASSERT_EQ(outcome(fetched), "ok");
  EXPECT_EQ(fetched->title, "Weekend");
  EXPECT_EQ(fetched->members.size(), 3U);
}

TEST_P(StoreConformance, GroupCreateWithAnUnknownMemberCreatesNothing) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::NewGroupConversation group{new_id(), "Ghosts", alice.id, {bob.id, bob.id + 1000}, tick()};
  EXPECT_EQ(outcome(store().conversation_create_group(group)), "not_found");
  EXPECT_EQ(outcome(store().conversation_get(group.id)), "not_found");
  EXPECT_TRUE(must(store().conversation_list_for_user(bob.id, std::nullopt, 10)).empty());
}

TEST_P(StoreConformance, ConversationGetOfAnUnknownIdIsNotFound) {
  EXPECT_EQ(outcome(store().conversation_get(new_id())), "not_found");
}

TEST_P(StoreConformance, ConversationRenameChangesOnlyTheTitle) {
  model::User alice = add_user("alice");
  model::Conversation group = add_group(alice, {}, "Before");
  auto renamed = store().conversation_rename(group.id, "After", tick());
  ASSERT_EQ(outcome(renamed), "ok");
  EXPECT_EQ(renamed->title, "After");
  EXPECT_EQ(renamed->last_activity_at, group.last_activity_at);
  EXPECT_EQ(renamed->members.size(), 1U);
  EXPECT_EQ(must(store().conversation_get(group.id)).title, "After");
  EXPECT_EQ(outcome(store().conversation_rename(new_id(), "Nope", tick())), "not_found");
}

TEST_P(StoreConformance, ConversationListOrdersByActivityNewestFirst) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Conversation first = add_group(alice, {bob}, "first");
  model::Conversation second = add_group(alice, {bob}, "second");
  model::Conversation third = add_direct(alice, bob);
  EXPECT_EQ(ids_of(must(store().conversation_list_for_user(alice.id, std::nullopt, 10))),
            (std::vector<model::Id>{third.id, second.id, first.id}));

  model::Message latest = send(first, bob, "wake up");
  auto list = must(store().conversation_list_for_user(alice.id, std::nullopt, 10));
  EXPECT_EQ(ids_of(list), (std::vector<model::Id>{first.id, third.id, second.id}));
  EXPECT_EQ(list[0].conversation.last_activity_at, latest.created_at);

  // Renaming and membership changes are not activity.
  must(store().conversation_rename(second.id, "renamed", tick()));
  model::User carol = add_user("carol");
  must(store().member_add(second.id, {carol.id}, tick(), kNoMemberLimit));
  EXPECT_EQ(ids_of(must(store().conversation_list_for_user(alice.id, std::nullopt, 10))),
            (std::vector<model::Id>{first.id, third.id, second.id}));
}

TEST_P(StoreConformance, ConversationListPagesStrictlyAfterTheCursor) {
  model::User alice = add_user("alice");
  std::vector<model::Conversation> made;
  for (int i = 0; i < 5; ++i) made.push_back(add_group(alice, {}, "g" + std::to_string(i)));
  auto page1 = must(store().conversation_list_for_user(alice.id, std::nullopt, 2));
  ASSERT_EQ(ids_of(page1), (std::vector<model::Id>{made[4].id, made[3].id}));
  store::ActivityCursor cursor{page1.back().conversation.last_activity_at, page1.back().conversation.id};
  auto page2 = must(store().conversation_list_for_user(alice.id, cursor, 2));
  ASSERT_EQ(ids_of(page2), (std::vector<model::Id>{made[2].id, made[1].id}));
  cursor = {page2.back().conversation.last_activity_at, page2.back().conversation.id};
  auto page3 = must(store().conversation_list_for_user(alice.id, cursor, 2));
  ASSERT_EQ(ids_of(page3), (std::vector<model::Id>{made[0].id}));
  cursor = {page3.back().conversation.last_activity_at, page3.back().conversation.id};
  EXPECT_TRUE(must(store().conversation_list_for_user(alice.id, cursor, 2)).empty());
}

TEST_P(StoreConformance, ConversationListBreaksActivityTiesByIdDescending) {
  model::User alice = add_user("alice");
  model::Millis same_time = tick();
  std::vector<model::Id> ids;
  for (int i = 0; i < 3; ++i) {
    model::NewGroupConversation group{new_id(), "tied", alice.id, {}, same_time};
    ids.push_back(must(store().conversation_create_group(group)).id);
  }
  auto page1 = must(store().conversation_list_for_user(alice.id, std::nullopt, 2));
  EXPECT_EQ(ids_of(page1), (std::vector<model::Id>{ids[2], ids[1]}));
  auto page2 = must(store().conversation_list_for_user(alice.id, store::ActivityCursor{same_time, ids[1]}, 2));
  EXPECT_EQ(ids_of(page2), (std::vector<model::Id>{ids[0]}));
}

TEST_P(StoreConformance, ConversationListCarriesLastMessageAndUnreadCount) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Conversation group = add_group(alice, {bob});
  model::Conversation quiet = add_group(alice, {bob}, "quiet");
  send(group, bob, "one");
  send(group, bob, "two");
  model::Message third = send(group, bob, "three");

  auto for_alice = must(store().conversation_list_for_user(alice.id, std::nullopt, 10));
  ASSERT_EQ(ids_of(for_alice), (std::vector<model::Id>{group.id, quiet.id}));
  const model::ConversationSummary& busy = for_alice[0];
  EXPECT_EQ(busy.conversation.last_seq, 3);
  EXPECT_EQ(busy.unread_count, 3);
  ASSERT_TRUE(busy.last_message.has_value());
  EXPECT_EQ(busy.last_message->id, third.id);
  EXPECT_EQ(busy.last_message->body, "three");
  EXPECT_EQ(busy.last_message->seq, 3);
  EXPECT_EQ(busy.conversation.members.size(), 2U);
  EXPECT_FALSE(for_alice[1].last_message.has_value());
  EXPECT_EQ(for_alice[1].unread_count, 0);

  auto for_bob = must(store().conversation_list_for_user(bob.id, std::nullopt, 10));
  EXPECT_EQ(for_bob[0].unread_count, 0);

  must(store().member_cursor_advance(group.id, alice.id, model::CursorKind::read, 2));
  EXPECT_EQ(must(store().conversation_list_for_user(alice.id, std::nullopt, 10))[0].unread_count, 1);
  must(store().member_cursor_advance(group.id, alice.id, model::CursorKind::delivered, 3));
  EXPECT_EQ(must(store().conversation_list_for_user(alice.id, std::nullopt, 10))[0].unread_count, 1);
}

TEST_P(StoreConformance, ConversationListShowsOnlyTheUsersConversations) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::User carol = add_user("carol");
  model::Conversation ab = add_direct(alice, bob);
  model::Conversation bc = add_group(bob, {carol});
  EXPECT_EQ(ids_of(must(store().conversation_list_for_user(alice.id, std::nullopt, 10))),
            std::vector<model::Id>{ab.id});
  EXPECT_EQ(ids_of(must(store().conversation_list_for_user(carol.id, std::nullopt, 10))),
            std::vector<model::Id>{bc.id});
  EXPECT_TRUE(must(store().conversation_list_for_user(new_id(), std::nullopt, 10)).empty());
}

}  // namespace talkline::conformance
