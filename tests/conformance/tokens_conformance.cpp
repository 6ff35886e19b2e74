#include <algorithm>

#include "store_conformance.hpp"

namespace talkline::conformance {

extern const int kTokenCases = 0;

TEST_P(StoreConformance, RefreshTokenIsFoundByItsHash) {
  model::User alice = add_user("alice");
  model::RefreshToken token = new_token(alice, new_id(), "hash-1");
  ASSERT_EQ(outcome(store().refresh_token_insert(token)), "ok");
  auto found = store().refresh_token_get_by_hash("hash-1");
  ASSERT_EQ(outcome(found), "ok");
  EXPECT_EQ(found->id, token.id);
  EXPECT_EQ(found->user_id, alice.id);
  EXPECT_EQ(found->family_id, token.family_id);
  EXPECT_EQ(found->created_at, token.created_at);
  EXPECT_EQ(found->expires_at, token.expires_at);
  EXPECT_FALSE(found->used_at.has_value());
  EXPECT_FALSE(found->revoked_at.has_value());
  EXPECT_EQ(outcome(store().refresh_token_get_by_hash("hash-unknown")), "not_found");
}

TEST_P(StoreConformance, RefreshTokenWithTakenHashIsAConflict) {
  model::User alice = add_user("alice");
  must(store().refresh_token_insert(new_token(alice, new_id(), "hash-1")));
  EXPECT_EQ(outcome(store().refresh_token_insert(new_token(alice, new_id(), "hash-1"))), "conflict");
}

TEST_P(StoreConformance, RefreshTokenRotateUsesTheOldTokenAndStoresTheNew) {
  model::User alice = add_user("alice");
  model::Id family = new_id();
  model::RefreshToken first = new_token(alice, family, "hash-1");
  must(store().refresh_token_insert(first));
  model::RefreshToken second = new_token(alice, family, "hash-2");
  model::Millis at = tick();
  auto rotated = store().refresh_token_rotate(first.id, second, at);
  ASSERT_EQ(outcome(rotated), "ok");
  EXPECT_TRUE(*rotated);
  EXPECT_EQ(must(store().refresh_token_get_by_hash("hash-1")).used_at, std::optional<model::Millis>(at));
  auto replacement = store().refresh_token_get_by_hash("hash-2");
  ASSERT_EQ(outcome(replacement), "ok");
  EXPECT_EQ(replacement->id, second.id);
  EXPECT_FALSE(replacement->used_at.has_value());
  EXPECT_TRUE(must(store().session_is_active(family)));
}

TEST_P(StoreConformance, RefreshTokenRotateOfAUsedTokenReturnsFalseAndChangesNothing) {
  model::User alice = add_user("alice");
  model::Id family = new_id();
  model::RefreshToken first = new_token(alice, family, "hash-1");
  must(store().refresh_token_insert(first));
  model::Millis first_use = tick();
  ASSERT_TRUE(must(store().refresh_token_rotate(first.id, new_token(alice, family, "hash-2"), first_use)));

  auto reuse = store().refresh_token_rotate(first.id, new_token(alice, family, "hash-3"), tick());
  ASSERT_EQ(outcome(reuse), "ok");
  EXPECT_FALSE(*reuse);
  EXPECT_EQ(outcome(store().refresh_token_get_by_hash("hash-3")), "not_found");
  EXPECT_EQ(must(store().refresh_token_get_by_hash("hash-1")).used_at, std::optional<model::Millis>(first_use));
}

TEST_P(StoreConformance, RefreshTokenRotateOfARevokedTokenReturnsFalse) {
  model::User alice = add_user("alice");
  model::Id family = new_id();
  model::RefreshToken first = new_token(alice, family, "hash-1");
  must(store().refresh_token_insert(first));
  must(store().session_revoke(family, tick()));
  auto rotated = store().refresh_token_rotate(first.id, new_token(alice, family, "hash-2"), tick());
  ASSERT_EQ(outcome(rotated), "ok");
  EXPECT_FALSE(*rotated);
  EXPECT_EQ(outcome(store().refresh_token_get_by_hash("hash-2")), "not_found");
  EXPECT_FALSE(must(store().refresh_token_get_by_hash("hash-1")).used_at.has_value());
}

TEST_P(StoreConformance, RefreshTokenRotateOfAnUnknownTokenIsNotFound) {
  model::User alice = add_user("alice");
  model::Id family = new_id();
  auto rotated = store().refresh_token_rotate(new_id(), new_token(alice, family, "hash-2"), tick());
  EXPECT_EQ(outcome(rotated), "not_found");
  EXPECT_EQ(outcome(store().refresh_token_get_by_hash("hash-2")), "not_found");
}

TEST_P(StoreConformance, SessionRevokeEndsTheSessionAndIsIdempotent) {
  model::User alice = add_user("alice");
  model::Id family = new_id();
  must(store().refresh_token_insert(new_token(alice, family, "hash-1")));
  ASSERT_TRUE(must(store().refresh_token_rotate(must(store().refresh_token_get_by_hash("hash-1")).id,
                                                new_token(alice, family, "hash-2"), tick())));
  EXPECT_TRUE(must(store().session_is_active(family)));

  model::Millis at = tick();
  ASSERT_EQ(outcome(store().session_revoke(family, at)), "ok");
  EXPECT_FALSE(must(store().session_is_active(family)));
  EXPECT_EQ(must(store().refresh_token_get_by_hash("hash-1")).revoked_at, std::optional<model::Millis>(at));
  EXPECT_EQ(must(store().refresh_token_get_by_hash("hash-2")).revoked_at, std::optional<model::Millis>(at));

  EXPECT_EQ(outcome(store().session_revoke(family, tick())), "ok");
  EXPECT_FALSE(must(store().session_is_active(family)));
  EXPECT_EQ(must(store().refresh_token_get_by_hash("hash-2")).revoked_at, std::optional<model::Millis>(at));
}

TEST_P(StoreConformance, SessionRevokeLeavesOtherSessionsActive) {
  model::User alice = add_user("alice");
  model::Id phone = new_id();
  model::Id laptop = new_id();
  must(store().refresh_token_insert(new_token(alice, phone, "hash-phone")));
  must(store().refresh_token_insert(new_token(alice, laptop, "hash-laptop")));
  must(store().session_revoke(phone, tick()));
  EXPECT_FALSE(must(store().session_is_active(phone)));
  EXPECT_TRUE(must(store().session_is_active(laptop)));
}

TEST_P(StoreConformance, UserSessionsRevokeEndsEverySessionOfTheUserOnly) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Id phone = new_id();
  model::Id laptop = new_id();
  model::Id already_ended = new_id();
  model::Id bobs = new_id();
  must(store().refresh_token_insert(new_token(alice, phone, "hash-phone-1")));
  ASSERT_TRUE(must(store().refresh_token_rotate(must(store().refresh_token_get_by_hash("hash-phone-1")).id,
                                                new_token(alice, phone, "hash-phone-2"), tick())));
  must(store().refresh_token_insert(new_token(alice, laptop, "hash-laptop")));
  must(store().refresh_token_insert(new_token(alice, already_ended, "hash-ended")));
  model::Millis ended_at = tick();
  must(store().session_revoke(already_ended, ended_at));
  must(store().refresh_token_insert(new_token(bob, bobs, "hash-bob")));

  model::Millis at = tick();
  auto revoked = store().user_sessions_revoke(alice.id, at);
  ASSERT_EQ(outcome(revoked), "ok");
  std::sort(revoked->begin(), revoked->end());
  std::vector<model::Id> expected{phone, laptop};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(*revoked, expected);
  EXPECT_FALSE(must(store().session_is_active(phone)));
  EXPECT_FALSE(must(store().session_is_active(laptop)));
  EXPECT_EQ(must(store().refresh_token_get_by_hash("hash-phone-1")).revoked_at, std::optional<model::Millis>(at));
  EXPECT_EQ(must(store().refresh_token_get_by_hash("hash-phone-2")).revoked_at, std::optional<model::Millis>(at));
  EXPECT_EQ(must(store().refresh_token_get_by_hash("hash-ended")).revoked_at, std::optional<model::Millis>(ended_at));
  EXPECT_TRUE(must(store().session_is_active(bobs)));

  EXPECT_TRUE(must(store().user_sessions_revoke(alice.id, tick())).empty());
  EXPECT_TRUE(must(store().user_sessions_revoke(new_id(), tick())).empty());
}

TEST_P(StoreConformance, SessionWithoutTokensIsNotActive) {
  EXPECT_FALSE(must(store().session_is_active(new_id())));
  EXPECT_EQ(outcome(store().session_revoke(new_id(), tick())), "ok");
}

TEST_P(StoreConformance, SessionsInactiveNamesTheRevokedAndTheUnknownSessionsOfAList) {
  model::User alice = add_user("alice");
  model::Id live = new_id();
  model::Id revoked = new_id();
  model::Id unknown = new_id();
  must(store().refresh_token_insert(new_token(alice, live, "hash-live")));
  must(store().refresh_token_insert(new_token(alice, revoked, "hash-revoked")));
  must(store().session_revoke(revoked, tick()));

  auto inactive = must(store().sessions_inactive({live, revoked, unknown, live}));
  std::sort(inactive.begin(), inactive.end());
  std::vector<model::Id> expected{revoked, unknown};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(inactive, expected);
  EXPECT_TRUE(must(store().sessions_inactive({live})).empty());
  EXPECT_TRUE(must(store().sessions_inactive({})).empty());
}

TEST_P(StoreConformance, UsersLockedOutNamesTheIdsOfNoAccount) {
  model::User alice = add_user("alice");
  model::User bob = add_user("bob");
  model::Id nobody = new_id();
  EXPECT_EQ(must(store().users_locked_out({alice.id, nobody, bob.id})), std::vector<model::Id>{nobody});
  EXPECT_TRUE(must(store().users_locked_out({alice.id, bob.id})).empty());
  EXPECT_TRUE(must(store().users_locked_out({})).empty());
}

}  // namespace talkline::conformance
