#include "store_conformance.hpp"

namespace talkline::conformance {

extern const int kUserCases = 0;

TEST_P(StoreConformance, PingSucceeds) { EXPECT_EQ(outcome(store().ping()), "ok"); }

TEST_P(StoreConformance, UserInsertReturnsTheStoredUser) {
  model::NewUser user{new_id(), "alice", "Alice A.", "$argon2id$x", model::Role::admin, tick()};
  auto inserted = store().user_insert(user);
  ASSERT_EQ(outcome(inserted), "ok");
  EXPECT_EQ(inserted->id, user.id);
  EXPECT_EQ(inserted->username, "alice");
  EXPECT_EQ(inserted->display_name, "Alice A.");
  EXPECT_EQ(inserted->bio, "");
  EXPECT_EQ(inserted->avatar_url, "");
  EXPECT_EQ(inserted->role, model::Role::admin);
  EXPECT_EQ(inserted->created_at, user.created_at);
  EXPECT_FALSE(inserted->last_seen_at.has_value());
  EXPECT_FALSE(inserted->banned_at.has_value());
}

TEST_P(StoreConformance, UserInsertWithTakenUsernameIsAConflict) {
  model::User first = add_user("alice");
  auto second = store().user_insert({new_id(), "alice", "Impostor", "$argon2id$y", model::Role::user, tick()});
  EXPECT_EQ(outcome(second), "conflict");
  EXPECT_EQ(must(store().user_get(first.id)).display_name, first.display_name);
  EXPECT_EQ(must(store().user_list(std::nullopt, 10)).size(), 1U);
}

TEST_P(StoreConformance, UserGetFindsTheUserOrReportsNotFound) {
  model::User alice = add_user("alice");
  auto found = store().user_get(alice.id);
  ASSERT_EQ(outcome(found), "ok");
  EXPECT_EQ(found->username, "alice");
  EXPECT_EQ(outcome(store().user_get(alice.id + 1000)), "not_found");
}

TEST_P(StoreConformance, UserGetCredentialsReturnsThePasswordHash) {
  model::User alice = add_user("alice");
  auto credentials = store().user_get_credentials("alice");
  ASSERT_EQ(outcome(credentials), "ok");
  EXPECT_EQ(credentials->user.id, alice.id);
  EXPECT_EQ(credentials->password_hash, "$argon2id$hash-of-alice");
  EXPECT_EQ(outcome(store().user_get_credentials("nobody")), "not_found");
}

TEST_P(StoreConformance, UserUpdateProfileAppliesOnlyThePresentFields) {
  model::User alice = add_user("alice");
  model::ProfilePatch bio_only;
  bio_only.bio = "likes tea";
  auto updated = store().user_update_profile(alice.id, bio_only);
  ASSERT_EQ(outcome(updated), "ok");
  EXPECT_EQ(updated->bio, "likes tea");
  EXPECT_EQ(updated->display_name, alice.display_name);
  EXPECT_EQ(updated->avatar_url, "");

  model::ProfilePatch name_and_avatar;
  name_and_avatar.display_name = "Alice Liddell";
  name_and_avatar.avatar_url = "https://example.test/a.png";
  updated = store().user_update_profile(alice.id, name_and_avatar);
  ASSERT_EQ(outcome(updated), "ok");
  EXPECT_EQ(updated->display_name, "Alice Liddell");
  EXPECT_EQ(updated->avatar_url, "https://example.test/a.png");
  EXPECT_EQ(updated->bio, "likes tea");

  model::ProfilePatch clear_bio;
  clear_bio.bio = "";
  EXPECT_EQ(must(store().user_update_profile(alice.id, clear_bio)).bio, "");
  EXPECT_EQ(must(store().user_get(alice.id)).display_name, "Alice Liddell");
}

TEST_P(StoreConformance, UserUpdateProfileWithNothingReturnsTheUnchangedUser) {
  model::User alice = add_user("alice");
  auto unchanged = store().user_update_profile(alice.id, model::ProfilePatch{});
  ASSERT_EQ(outcome(unchanged), "ok");
  EXPECT_EQ(unchanged->display_name, alice.display_name);
  EXPECT_EQ(unchanged->bio, alice.bio);
  EXPECT_EQ(outcome(store().user_update_profile(alice.id + 1000, model::ProfilePatch{})), "not_found");
  model::ProfilePatch bio;
  bio.bio = "x";
  EXPECT_EQ(outcome(store().user_update_profile(alice.id + 1000, bio)), "not_found");
}

TEST_P(StoreConformance, UserSetRoleChangesTheRole) {
  model::User alice = add_user("alice");
  auto promoted = store().user_set_role(alice.id, model::Role::admin);
  ASSERT_EQ(outcome(promoted), "ok");
  EXPECT_EQ(promoted->role, model::Role::admin);
  EXPECT_EQ(must(store().user_get(alice.id)).role, model::Role::admin);
  EXPECT_EQ(must(store().user_set_role(alice.id, model::Role::user)).role, model::Role::user);
  EXPECT_EQ(outcome(store().user_set_role(alice.id + 1000, model::Role::admin)), "not_found");
}

TEST_P(StoreConformance, UserSetSuspendedSuspendsAndReinstates) {
  model::User alice = add_user("alice");
  model::Millis at = tick();
  auto suspended = store().user_set_suspended(alice.id, at);
  ASSERT_EQ(outcome(suspended), "ok");
  EXPECT_EQ(suspended->banned_at, std::optional<model::Millis>(at));
  EXPECT_EQ(suspended->username, "alice");
  EXPECT_EQ(must(store().user_get(alice.id)).banned_at, std::optional<model::Millis>(at));
  EXPECT_EQ(must(store().user_get_credentials("alice")).user.banned_at, std::optional<model::Millis>(at));

  auto reinstated = store().user_set_suspended(alice.id, std::nullopt);
  ASSERT_EQ(outcome(reinstated), "ok");
  EXPECT_FALSE(reinstated->banned_at.has_value());
  EXPECT_FALSE(must(store().user_get(alice.id)).banned_at.has_value());
  EXPECT_FALSE(must(store().user_set_suspended(alice.id, std::nullopt)).banned_at.has_value());
}

TEST_P(StoreConformance, UserSetSuspendedAgainKeepsTheFirstTime) {
  model::User alice = add_user("alice");
  model::Millis first = tick();
  must(store().user_set_suspended(alice.id, first));
  EXPECT_EQ(must(store().user_set_suspended(alice.id, tick())).banned_at, std::optional<model::Millis>(first));
  EXPECT_EQ(must(store().user_get(alice.id)).banned_at, std::optional<model::Millis>(first));
}

TEST_P(StoreConformance, UserSetSuspendedOfAnUnknownUserIsNotFound) {
  model::User alice = add_user("alice");
  EXPECT_EQ(outcome(store().user_set_suspended(alice.id + 1000, tick())), "not_found");
  EXPECT_EQ(outcome(store().user_set_suspended(alice.id + 1000, std::nullopt)), "not_found");
  EXPECT_FALSE(must(store().user_get(alice.id)).banned_at.has_value());
}

TEST_P(StoreConformance, UsersTouchLastSeenRecordsTheTimeEveryReadShows) {
  model::User alice = add_user("alice");
  model::Millis at = tick();
  EXPECT_EQ(outcome(store().users_touch_last_seen({{alice.id, at}})), "ok");
  EXPECT_EQ(must(store().user_get(alice.id)).last_seen_at, std::optional<model::Millis>(at));
  EXPECT_EQ(must(store().user_get_credentials("alice")).user.last_seen_at, std::optional<model::Millis>(at));
  EXPECT_EQ(must(store().user_list(std::nullopt, 10)).at(0).last_seen_at, std::optional<model::Millis>(at));
  EXPECT_EQ(must(store().user_search_prefix("al", std::nullopt, 10)).at(0).last_seen_at,
            std::optional<model::Millis>(at));

  model::Millis later = tick();
  must(store().users_touch_last_seen({{alice.id, later}}));
  EXPECT_EQ(must(store().user_get(alice.id)).last_seen_at, std::optional<model::Millis>(later));
}

TEST_P(StoreConformance, UsersTouchLastSeenRecordsManyUsersAtOnce) {
  std::vector<model::User> users;
  std::vector<model::LastSeen> seen;
  for (int i = 0; i < 50; ++i) {
    users.push_back(add_user("user" + std::to_string(i)));
    seen.push_back({users.back().id, tick()});
  }
  model::User bystander = add_user("bystander");
  EXPECT_EQ(outcome(store().users_touch_last_seen(seen)), "ok");
  for (std::size_t i = 0; i < users.size(); ++i) {
    EXPECT_EQ(must(store().user_get(users[i].id)).last_seen_at, std::optional<model::Millis>(seen[i].at))
        << users[i].username;
  }
  EXPECT_FALSE(must(store().user_get(bystander.id)).last_seen_at.has_value());
}

TEST_P(StoreConformance, UsersTouchLastSeenNeverMovesItBackwards) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Millis earlier = tick();
  model::Millis later = tick();
  must(store().users_touch_last_seen({{alice.id, later}}));
  EXPECT_EQ(outcome(store().users_touch_last_seen({{alice.id, earlier}, {bob.id, earlier}})), "ok");
  EXPECT_EQ(outcome(store().users_touch_last_seen({{alice.id, later}})), "ok");
  EXPECT_EQ(must(store().user_get(alice.id)).last_seen_at, std::optional<model::Millis>(later));
  EXPECT_EQ(must(store().user_get(bob.id)).last_seen_at, std::optional<model::Millis>(earlier));
}

TEST_P(StoreConformance, UsersTouchLastSeenKeepsTheLatestOfAUserListedTwice) {
  model::User alice = add_user("alice");
  model::Millis earlier = tick();
  model::Millis later = tick();
  must(store().users_touch_last_seen({{alice.id, later}, {alice.id, earlier}}));
  EXPECT_EQ(must(store().user_get(alice.id)).last_seen_at, std::optional<model::Millis>(later));
}

TEST_P(StoreConformance, UsersTouchLastSeenChangesOnlyThoseUsers) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  must(store().users_touch_last_seen({{alice.id, tick()}}));
  model::User after = must(store().user_get(alice.id));
  EXPECT_EQ(after.display_name, alice.display_name);
  EXPECT_EQ(after.role, alice.role);
  EXPECT_EQ(after.created_at, alice.created_at);
  EXPECT_FALSE(after.banned_at.has_value());
  EXPECT_FALSE(must(store().user_get(bob.id)).last_seen_at.has_value());
}

TEST_P(StoreConformance, UsersTouchLastSeenSkipsAnUnknownUserAndRecordsTheOthers) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Millis at = tick();
  EXPECT_EQ(outcome(store().users_touch_last_seen({{alice.id, at}, {bob.id + 1000, at}, {bob.id, at}})), "ok");
  EXPECT_EQ(must(store().user_get(alice.id)).last_seen_at, std::optional<model::Millis>(at));
  EXPECT_EQ(must(store().user_get(bob.id)).last_seen_at, std::optional<model::Millis>(at));
  EXPECT_EQ(outcome(store().user_get(bob.id + 1000)), "not_found");
}

TEST_P(StoreConformance, UsersTouchLastSeenOfNoUsersIsANoOp) {
  model::User alice = add_user("alice");
  EXPECT_EQ(outcome(store().users_touch_last_seen({})), "ok");
  EXPECT_FALSE(must(store().user_get(alice.id)).last_seen_at.has_value());
}

TEST_P(StoreConformance, UserSuspensionShowsInListsAndSearchesAndLocksTheAccountOut) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Millis at = tick();
  must(store().user_set_suspended(bob.id, at));

  auto listed = must(store().user_list(std::nullopt, 10));
  ASSERT_EQ(listed.size(), 2U);
  EXPECT_FALSE(listed[0].banned_at.has_value());
  EXPECT_EQ(listed[1].banned_at, std::optional<model::Millis>(at));
  auto found = must(store().user_search_prefix("bo", std::nullopt, 10));
  ASSERT_EQ(found.size(), 1U);
  EXPECT_EQ(found[0].banned_at, std::optional<model::Millis>(at));
  EXPECT_EQ(must(store().users_locked_out({alice.id, bob.id})), std::vector<model::Id>{bob.id});

  must(store().user_set_suspended(bob.id, std::nullopt));
  EXPECT_TRUE(must(store().users_locked_out({alice.id, bob.id})).empty());
}

namespace {

std::vector<std::string> usernames(const std::vector<model::User>& users) {
  std::vector<std::string> names;
  for (const model::User& user : users) names.push_back(user.username);
  return names;
}

}  // namespace

TEST_P(StoreConformance, UserSearchPrefixOrdersByUsernameAndPages) {
  for (const char* name : {"alice", "bob", "alfred", "al", "albert", "zed", "alz"}) add_user(name);
  using Names = std::vector<std::string>;
  EXPECT_EQ(usernames(must(store().user_search_prefix("al", std::nullopt, 10))),
            (Names{"al", "albert", "alfred", "alice", "alz"}));
  EXPECT_EQ(usernames(must(store().user_search_prefix("al", std::nullopt, 2))), (Names{"al", "albert"}));
  EXPECT_EQ(usernames(must(store().user_search_prefix("al", std::string("albert"), 2))), (Names{"alfred", "alice"}));
  EXPECT_EQ(usernames(must(store().user_search_prefix("al", std::string("alz"), 2))), Names{});
  EXPECT_EQ(usernames(must(store().user_search_prefix("alf", std::nullopt, 10))), (Names{"alfred"}));
  EXPECT_EQ(usernames(must(store().user_search_prefix("q", std::nullopt, 10))), Names{});
}

TEST_P(StoreConformance, UserSearchPrefixTreatsWildcardsAsText) {
  for (const char* name : {"a_b", "axb", "a%c", "abc"}) add_user(name);
  using Names = std::vector<std::string>;
  EXPECT_EQ(usernames(must(store().user_search_prefix("a_", std::nullopt, 10))), (Names{"a_b"}));
  EXPECT_EQ(usernames(must(store().user_search_prefix("a%", std::nullopt, 10))), (Names{"a%c"}));
}

TEST_P(StoreConformance, UserListOrdersByIdAndPages) {
  model::User c = add_user("carol");
  model::User a = add_user("alice");
  model::User b = add_user("bob");
  auto all = must(store().user_list(std::nullopt, 10));
  ASSERT_EQ(all.size(), 3U);
  EXPECT_EQ(all[0].id, c.id);
  EXPECT_EQ(all[1].id, a.id);
  EXPECT_EQ(all[2].id, b.id);
  auto page = must(store().user_list(c.id, 1));
  ASSERT_EQ(page.size(), 1U);
  EXPECT_EQ(page[0].id, a.id);
  EXPECT_TRUE(must(store().user_list(b.id, 10)).empty());
}

}  // namespace talkline::conformance
