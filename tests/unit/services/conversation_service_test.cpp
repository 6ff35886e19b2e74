#include "service_fixture.hpp"

namespace talkline::testing {
namespace {

class ConversationServiceTest : public ServiceTest {};

TEST_F(ConversationServiceTest, DirectConversationIsOnePerPair) {
  auto alice = make_user("alice");
  auto bob = make_user("bob");
  auto first = conversations_->open_direct(alice, bob.user_id);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->created);
  auto again = conversations_->open_direct(bob, alice.user_id);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->conversation.id, first->conversation.id);
  EXPECT_EQ(first->conversation.members.size(), 2u);
}

TEST_F(ConversationServiceTest, DirectConversationNeedsAnotherExistingUser) {
  auto alice = make_user("alice");
  auto self = conversations_->open_direct(alice, alice.user_id);
  ASSERT_FALSE(self.ok());
  EXPECT_EQ(self.error().code, ErrorCode::invalid_argument);
  auto ghost = conversations_->open_direct(alice, 123456789);
  ASSERT_FALSE(ghost.ok());
  EXPECT_EQ(ghost.error().code, ErrorCode::invalid_argument);
}

TEST_F(ConversationServiceTest, GroupCreatorIsOwnerAndMembersAreDeduplicated) {
  auto alice = make_user("alice");
  auto bob = make_user("bob");
  auto carol = make_user("carol");
  auto group = conversations_->create_group(alice, "Team", {bob.user_id, carol.user_id, bob.user_id, alice.user_id});
  ASSERT_TRUE(group.ok());
  ASSERT_EQ(group->members.size(), 3u);
  for (const auto& member : group->members) {
    EXPECT_EQ(member.role == model::MemberRole::owner, member.user_id == alice.user_id);
  }
}

TEST_F(ConversationServiceTest, GroupRejectsBadTitlesAndUnknownMembers) {
  auto alice = make_user("alice");
  EXPECT_EQ(conversations_->create_group(alice, "", {}).error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(conversations_->create_group(alice, "   ", {}).error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(conversations_->create_group(alice, std::string(129, 'x'), {}).error().code, ErrorCode::invalid_argument);
  auto unknown = conversations_->create_group(alice, "Team", {987654321});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().fields.at(0).field, "memberIds");
}

TEST_F(ConversationServiceTest, NonMembersSeeNotFoundEverywhere) {
  auto alice = make_user("alice");
  auto bob = make_user("bob");
  auto eve = make_user("eve");
  auto group = conversations_->create_group(alice, "Secret", {bob.user_id});
  ASSERT_TRUE(group.ok());
  const auto id = group->id;
  EXPECT_EQ(conversations_->get(eve, id).error().code, ErrorCode::not_found);
  EXPECT_EQ(conversations_->rename(eve, id, "Mine").error().code, ErrorCode::not_found);
  EXPECT_EQ(conversations_->add_members(eve, id, {eve.user_id}).error().code, ErrorCode::not_found);
  EXPECT_EQ(conversations_->remove_member(eve, id, bob.user_id).error().code, ErrorCode::not_found);
  EXPECT_EQ(messages_->send(eve, {id, "x1", "hi", std::nullopt, {}}).error().code, ErrorCode::not_found);
  EXPECT_EQ(messages_->history(eve, id, std::nullopt, std::nullopt, std::nullopt).error().code, ErrorCode::not_found);
  EXPECT_EQ(messages_->mark_read(eve, id, 0).error().code, ErrorCode::not_found);
  // Same answer as for a conversation that does not exist at all.
  EXPECT_EQ(conversations_->get(eve, id).error().message, conversations_->get(eve, 42).error().message);
}

TEST_F(ConversationServiceTest, OnlyOwnersAndAdminsManageAGroup) {
  auto alice = make_user("alice");
  auto bob = make_user("bob");
  auto carol = make_user("carol");
  auto group = conversations_->create_group(alice, "Team", {bob.user_id});
  ASSERT_TRUE(group.ok());
  EXPECT_EQ(conversations_->rename(bob, group->id, "Bob's").error().code, ErrorCode::forbidden);
  EXPECT_EQ(conversations_->add_members(bob, group->id, {carol.user_id}).error().code, ErrorCode::forbidden);
  auto renamed = conversations_->rename(alice, group->id, "Renamed");
  ASSERT_TRUE(renamed.ok());
  EXPECT_EQ(renamed->title, "Renamed");
  auto added = conversations_->add_members(alice, group->id, {carol.user_id, bob.user_id});
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(added->members.size(), 3u);
  EXPECT_EQ(conversations_->remove_member(bob, group->id, carol.user_id).error().code, ErrorCode::forbidden);
  EXPECT_TRUE(conversations_->remove_member(alice, group->id, carol.user_id).ok());
  EXPECT_EQ(conversations_->get(carol, group->id).error().code, ErrorCode::not_found);
}

TEST_F(ConversationServiceTest, SiteAdministratorsInAGroupMayManageIt) {
  auto alice = make_user("alice");
  auto root = make_user("root");
  auto bob = make_user("bob");
  ASSERT_TRUE(auth_->ensure_admin("root", "").ok());
  auto group = conversations_->create_group(alice, "Team", {root.user_id, bob.user_id});
  ASSERT_TRUE(group.ok());
  EXPECT_TRUE(conversations_->rename(root, group->id, "Moderated").ok());
  EXPECT_TRUE(conversations_->remove_member(root, group->id, bob.user_id).ok());
}

TEST_F(ConversationServiceTest, AnyoneMayLeaveAndTheOwnerCannotBeRemoved) {
  auto alice = make_user("alice");
  auto bob = make_user("bob");
  auto group = conversations_->create_group(alice, "Team", {bob.user_id});
  ASSERT_TRUE(group.ok());
  EXPECT_EQ(conversations_->remove_member(bob, group->id, alice.user_id).error().code, ErrorCode::forbidden);
  EXPECT_TRUE(conversations_->remove_member(bob, group->id, bob.user_id).ok());
  EXPECT_EQ(conversations_->get(bob, group->id).error().code, ErrorCode::not_found);
}

TEST_F(ConversationServiceTest, DirectConversationsCannotChangeShape) {
  auto alice = make_user("alice");
  auto bob = make_user("bob");
  auto carol = make_user("carol");
  auto direct = conversations_->open_direct(alice, bob.user_id);
  ASSERT_TRUE(direct.ok());
  const auto id = direct->conversation.id;
  EXPECT_EQ(conversations_->rename(alice, id, "x").error().code, ErrorCode::conflict);
  EXPECT_EQ(conversations_->add_members(alice, id, {carol.user_id}).error().code, ErrorCode::conflict);
  EXPECT_EQ(conversations_->remove_member(alice, id, alice.user_id).error().code, ErrorCode::conflict);
}

TEST_F(ConversationServiceTest, ListIsNewestActivityFirstWithUnreadCounts) {
  auto alice = make_user("alice");
  auto bob = make_user("bob");
  auto older = conversations_->create_group(alice, "Older", {bob.user_id});
  clock_.advance_ms(1000);
  auto newer = conversations_->create_group(alice, "Newer", {bob.user_id});
  ASSERT_TRUE(older.ok() && newer.ok());
  clock_.advance_ms(1000);
  send(alice, older->id, "m1", "hello");
  send(alice, older->id, "m2", "again");

  auto page = conversations_->list(bob, std::nullopt, std::string_view("1"));
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].conversation.id, older->id);
  EXPECT_EQ(page->items[0].unread_count, 2);
  ASSERT_TRUE(page->items[0].last_message.has_value());
  EXPECT_EQ(page->items[0].last_message->body, "again");
  ASSERT_TRUE(page->next_cursor.has_value());

  auto next = conversations_->list(bob, *page->next_cursor, std::string_view("1"));
  ASSERT_TRUE(next.ok());
  ASSERT_EQ(next->items.size(), 1u);
  EXPECT_EQ(next->items[0].conversation.id, newer->id);
  EXPECT_FALSE(next->next_cursor.has_value());

  auto mine = conversations_->list(alice, std::nullopt, std::nullopt);
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(mine->items[0].unread_count, 0);
  EXPECT_EQ(conversations_->list(bob, std::string_view("garbage!"), std::nullopt).error().code,
            ErrorCode::invalid_argument);
}

}  // namespace
}  // namespace talkline::testing
