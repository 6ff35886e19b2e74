#include "store_conformance.hpp"

#include <algorithm>
#include <future>
#include <vector>

namespace talkline::conformance {

extern const int kMemberCases = 0;

namespace {

std::optional<model::MemberRole> role_of(const model::Conversation& conversation, model::Id user_id) {
  for (const model::Member& member : conversation.members) {
    if (member.user_id == user_id) return member.role;
  }
  return std::nullopt;
}

// Waits for an asynchronous cursor move's outcome (it arrives on the store's thread).
Result<model::CursorAdvance> advance_and_wait(store::Store& store, model::Id conversation_id, model::Id user_id,
                                              model::CursorKind kind, model::Seq seq) {
  std::promise<Result<model::CursorAdvance>> answer;
  auto outcome = answer.get_future();
  store.member_cursor_advance_async(conversation_id, user_id, model::CursorMove{kind, seq, 0},
                                    [&answer](Result<model::CursorAdvance> r) { answer.set_value(std::move(r)); });
  return outcome.get();
}

}  // namespace

TEST_P(StoreConformance, MemberGetReturnsTheMembershipOrNotFound) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Conversation group = add_group(alice, {});
  auto member = store().member_get(group.id, alice.id);
  ASSERT_EQ(outcome(member), "ok");
  EXPECT_EQ(member->conversation_id, group.id);
  EXPECT_EQ(member->user_id, alice.id);
  EXPECT_EQ(member->role, model::MemberRole::owner);
  EXPECT_EQ(outcome(store().member_get(group.id, bob.id)), "not_found");
  EXPECT_EQ(outcome(store().member_get(new_id(), alice.id)), "not_found");
}

TEST_P(StoreConformance, MemberAddAddsNewUsersAndLeavesExistingOnes) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::User carol = add_user("carol");
  model::Conversation group = add_group(alice, {bob});
  model::Millis joined = tick();
  auto updated = store().member_add(group.id, {alice.id, bob.id, carol.id}, joined, kNoMemberLimit);
  ASSERT_EQ(outcome(updated), "ok");
  EXPECT_EQ(updated->members.size(), 3U);
  EXPECT_EQ(role_of(*updated, alice.id), model::MemberRole::owner);
  EXPECT_EQ(role_of(*updated, carol.id), model::MemberRole::member);
  EXPECT_EQ(updated->last_activity_at, group.last_activity_at);
  auto carol_member = must(store().member_get(group.id, carol.id));
  EXPECT_EQ(carol_member.joined_at, joined);
  EXPECT_EQ(must(store().member_get(group.id, bob.id)).joined_at, group.created_at);
}

TEST_P(StoreConformance, MemberAddNeedsTheConversationAndEveryUser) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Conversation group = add_group(alice, {});
  EXPECT_EQ(outcome(store().member_add(new_id(), {bob.id}, tick(), kNoMemberLimit)), "not_found");
  EXPECT_EQ(outcome(store().member_add(group.id, {bob.id, bob.id + 1000}, tick(), kNoMemberLimit)), "not_found");
  EXPECT_EQ(outcome(store().member_get(group.id, bob.id)), "not_found");
}

// A newcomer's cursors start at the conversation's end: the history they can now read is
// not counted as unread.
TEST_P(StoreConformance, MemberAddStartsTheNewcomerAtTheLatestMessage) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Conversation group = add_group(alice, {});
  send(group, alice, "before bob");
  send(group, alice, "still before bob");
  must(store().member_add(group.id, {bob.id}, tick(), kNoMemberLimit));
  auto bob_member = must(store().member_get(group.id, bob.id));
  EXPECT_EQ(bob_member.read_seq, 2);
  EXPECT_EQ(bob_member.delivered_seq, 2);
  EXPECT_EQ(must(store().conversation_list_for_user(bob.id, std::nullopt, 10)).at(0).unread_count, 0);
  send(group, alice, "hello bob");
  EXPECT_EQ(must(store().conversation_list_for_user(bob.id, std::nullopt, 10)).at(0).unread_count, 1);
}

TEST_P(StoreConformance, MemberRemoveEndsTheMembership) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Conversation group = add_group(alice, {bob});
  ASSERT_EQ(outcome(store().member_remove(group.id, bob.id, tick())), "ok");
  EXPECT_EQ(outcome(store().member_get(group.id, bob.id)), "not_found");
  EXPECT_EQ(must(store().conversation_get(group.id)).members.size(), 1U);
  EXPECT_EQ(must(store().member_get(group.id, alice.id)).role, model::MemberRole::owner);
  EXPECT_TRUE(must(store().conversation_list_for_user(bob.id, std::nullopt, 10)).empty());
  EXPECT_EQ(must(store().conversation_get(group.id)).last_activity_at, group.last_activity_at);
}

TEST_P(StoreConformance, MemberRemoveOfANonMemberIsNotFound) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Conversation group = add_group(alice, {});
  EXPECT_EQ(outcome(store().member_remove(group.id, bob.id, tick())), "not_found");
  EXPECT_EQ(outcome(store().member_remove(new_id(), alice.id, tick())), "not_found");
}

TEST_P(StoreConformance, MemberRemoveOfTheOwnerPromotesTheLongestStandingMember) {
  model::User owner = add_user("owner");
  model::User late = add_user("late");
  model::User early_b = add_user("early_b");
  model::User early_a = add_user("early_a");
  // early_b and early_a join together at creation; the lower user id wins the tie.
  model::Conversation group = add_group(owner, {early_a, early_b});
  must(store().member_add(group.id, {late.id}, tick(), kNoMemberLimit));
  ASSERT_LT(early_b.id, early_a.id);

  ASSERT_EQ(outcome(store().member_remove(group.id, owner.id, tick())), "ok");
  auto after = must(store().conversation_get(group.id));
  EXPECT_EQ(role_of(after, early_b.id), model::MemberRole::owner);
  EXPECT_EQ(role_of(after, early_a.id), model::MemberRole::member);
  EXPECT_EQ(role_of(after, late.id), model::MemberRole::member);

  ASSERT_EQ(outcome(store().member_remove(group.id, early_b.id, tick())), "ok");
  after = must(store().conversation_get(group.id));
  EXPECT_EQ(role_of(after, early_a.id), model::MemberRole::owner);
  EXPECT_EQ(role_of(after, late.id), model::MemberRole::member);
}

TEST_P(StoreConformance, MemberRemoveOfTheLastOwnerLeavesAnEmptyConversation) {
  model::User alice = add_user("alice");
  model::Conversation group = add_group(alice, {});
  ASSERT_EQ(outcome(store().member_remove(group.id, alice.id, tick())), "ok");
  EXPECT_TRUE(must(store().conversation_get(group.id)).members.empty());
}

TEST_P(StoreConformance, CursorAdvanceMovesForwardOnly) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Conversation group = add_group(alice, {bob});
  for (int i = 0; i < 3; ++i) send(group, alice, "m");

  auto moved = store().member_cursor_advance(group.id, bob.id, model::CursorKind::delivered, 2);
  ASSERT_EQ(outcome(moved), "ok");
  EXPECT_EQ(moved->delivered_seq, 2);
  EXPECT_EQ(moved->read_seq, 0);

  auto back = store().member_cursor_advance(group.id, bob.id, model::CursorKind::delivered, 1);
  ASSERT_EQ(outcome(back), "ok");
  EXPECT_EQ(back->delivered_seq, 2);

  must(store().member_cursor_advance(group.id, bob.id, model::CursorKind::read, 2));
  auto read_back = store().member_cursor_advance(group.id, bob.id, model::CursorKind::read, 1);
  ASSERT_EQ(outcome(read_back), "ok");
  EXPECT_EQ(read_back->read_seq, 2);
  EXPECT_EQ(read_back->delivered_seq, 2);
  auto stored = must(store().member_get(group.id, bob.id));
  EXPECT_EQ(stored.read_seq, 2);
  EXPECT_EQ(stored.delivered_seq, 2);
}

TEST_P(StoreConformance, CursorAdvanceOfReadLiftsDelivered) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Conversation group = add_group(alice, {bob});
  for (int i = 0; i < 4; ++i) send(group, alice, "m");
  auto moved = store().member_cursor_advance(group.id, bob.id, model::CursorKind::read, 3);
  ASSERT_EQ(outcome(moved), "ok");
  EXPECT_EQ(moved->read_seq, 3);
  EXPECT_EQ(moved->delivered_seq, 3);
  moved = store().member_cursor_advance(group.id, bob.id, model::CursorKind::delivered, 4);
  ASSERT_EQ(outcome(moved), "ok");
  EXPECT_EQ(moved->delivered_seq, 4);
  EXPECT_EQ(moved->read_seq, 3);
}

TEST_P(StoreConformance, CursorAdvancePastTheLastMessageIsInvalid) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Conversation group = add_group(alice, {bob});
  send(group, alice, "only");
  auto past = store().member_cursor_advance(group.id, bob.id, model::CursorKind::read, 2);
  EXPECT_EQ(outcome(past), "invalid_argument");
  EXPECT_EQ(field_of(past), "seq");
  auto negative = store().member_cursor_advance(group.id, bob.id, model::CursorKind::delivered, -1);
  EXPECT_EQ(outcome(negative), "invalid_argument");
  EXPECT_EQ(field_of(negative), "seq");
  auto stored = must(store().member_get(group.id, bob.id));
  EXPECT_EQ(stored.read_seq, 0);
  EXPECT_EQ(stored.delivered_seq, 0);
  EXPECT_EQ(outcome(store().member_cursor_advance(group.id, bob.id, model::CursorKind::read, 1)), "ok");
}

TEST_P(StoreConformance, CursorAdvanceForANonMemberIsNotFound) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Conversation group = add_group(alice, {});
  send(group, alice, "m");
  EXPECT_EQ(outcome(store().member_cursor_advance(group.id, bob.id, model::CursorKind::read, 1)), "not_found");
  EXPECT_EQ(outcome(store().member_cursor_advance(new_id(), alice.id, model::CursorKind::read, 0)), "not_found");
}

TEST_P(StoreConformance, AsyncCursorAdvanceSaysWhetherItMovedAndWhomToTell) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::User carol = add_user("carol");
  model::Conversation group = add_group(alice, {bob, carol});
  for (int i = 0; i < 3; ++i) send(group, alice, "m");

  auto moved = advance_and_wait(store(), group.id, bob.id, model::CursorKind::read, 2);
  ASSERT_EQ(outcome(moved), "ok");
  EXPECT_TRUE(moved->moved);
  EXPECT_EQ(moved->member.user_id, bob.id);
  EXPECT_EQ(moved->member.read_seq, 2);
  EXPECT_EQ(moved->member.delivered_seq, 2);
  auto told = moved->member_ids;
  std::sort(told.begin(), told.end());
  std::vector<model::Id> everyone{alice.id, bob.id, carol.id};
  std::sort(everyone.begin(), everyone.end());
  EXPECT_EQ(told, everyone);
  EXPECT_EQ(must(store().member_get(group.id, bob.id)).read_seq, 2);

  auto again = advance_and_wait(store(), group.id, bob.id, model::CursorKind::delivered, 1);
  ASSERT_EQ(outcome(again), "ok");
  EXPECT_FALSE(again->moved);
  EXPECT_TRUE(again->member_ids.empty());
  EXPECT_EQ(again->member.delivered_seq, 2);
}

TEST_P(StoreConformance, AsyncCursorAdvanceRefusesWhatTheSyncOneRefuses) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Conversation group = add_group(alice, {});
  send(group, alice, "m");
  EXPECT_EQ(outcome(advance_and_wait(store(), group.id, bob.id, model::CursorKind::read, 1)), "not_found");
  auto past = advance_and_wait(store(), group.id, alice.id, model::CursorKind::read, 2);
  EXPECT_EQ(outcome(past), "invalid_argument");
  EXPECT_EQ(field_of(past), "seq");
  EXPECT_EQ(must(store().member_get(group.id, alice.id)).read_seq, 1);  // the sender's own send moved it
}

TEST_P(StoreConformance, AddingMembersPastTheCapAddsNobody) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::User carol = add_user("carol");
  model::Conversation group = add_group(alice, {bob});
  EXPECT_EQ(outcome(store().member_add(group.id, {carol.id}, tick(), 2)), "invalid_argument");
  EXPECT_EQ(must(store().conversation_get(group.id)).members.size(), 2U);
  EXPECT_EQ(must(store().member_add(group.id, {carol.id}, tick(), 3)).members.size(), 3U);
}

TEST_P(StoreConformance, MemberSetRoleChangesOneMembersRole) {
  model::User owner = add_user("owner");
  model::User bob = add_user("bob");
  model::User carol = add_user("carol");
  model::Conversation group = add_group(owner, {bob, carol});

  model::Conversation updated = must(store().member_set_role(group.id, bob.id, model::MemberRole::admin));
  for (const auto& member : updated.members) {
    const auto expected = member.user_id == owner.id ? model::MemberRole::owner
                          : member.user_id == bob.id ? model::MemberRole::admin
                                                     : model::MemberRole::member;
    EXPECT_EQ(member.role, expected) << member.user_id;
  }
  EXPECT_EQ(must(store().member_get(group.id, bob.id)).role, model::MemberRole::admin);
  must(store().member_set_role(group.id, bob.id, model::MemberRole::member));
  EXPECT_EQ(must(store().member_get(group.id, bob.id)).role, model::MemberRole::member);

  auto owners = store().member_set_role(group.id, owner.id, model::MemberRole::member);
  EXPECT_EQ(outcome(owners), "forbidden");
  EXPECT_EQ(message_of(owners), "the owner's role cannot change");
  EXPECT_EQ(must(store().member_get(group.id, owner.id)).role, model::MemberRole::owner);

  model::User stranger = add_user("stranger");
  auto refused = store().member_set_role(group.id, stranger.id, model::MemberRole::admin);
  EXPECT_EQ(outcome(refused), "not_found");
  EXPECT_EQ(message_of(refused), "member not found");
}

}  // namespace talkline::conformance
