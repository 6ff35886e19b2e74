#include <limits>

#include "service_fixture.hpp"

namespace talkline::testing {
namespace {

class AuthServiceTest : public ServiceTest {};

TEST_F(AuthServiceTest, RegisterStoresLowerCaseUsernameAndIssuesTokens) {
  auto tokens = auth_->register_user("Alice.Smith", "password123", std::nullopt, "10.9.9.9");
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ(tokens->user.username, "alice.smith");
  EXPECT_EQ(tokens->user.display_name, "Alice.Smith");
  EXPECT_FALSE(tokens->access_token.empty());
  EXPECT_FALSE(tokens->refresh_token.empty());
  EXPECT_EQ(tokens->expires_in, 900);
}

TEST_F(AuthServiceTest, UsernamesAreUniqueIgnoringCase) {
  ASSERT_TRUE(auth_->register_user("bob", "password123", std::nullopt, "10.9.9.9").ok());
  auto again = auth_->register_user("BOB", "password123", std::nullopt, "10.9.9.9");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::conflict);
}

TEST_F(AuthServiceTest, RejectsInvalidUsernamesAndPasswords) {
  for (const char* name : {"ab", "this_name_is_far_too_long_for_us_x", "bad name", "émile", "semi;colon"}) {
    auto result = auth_->register_user(name, "password123", std::nullopt, "10.9.9.9");
    ASSERT_FALSE(result.ok()) << name;
    EXPECT_EQ(result.error().code, ErrorCode::invalid_argument);
    EXPECT_EQ(result.error().fields.at(0).field, "username");
  }
  auto short_password = auth_->register_user("carol", "1234567", std::nullopt, "10.9.9.9");
  ASSERT_FALSE(short_password.ok());
  EXPECT_EQ(short_password.error().fields.at(0).field, "password");
  EXPECT_FALSE(auth_->register_user("carol", std::string(257, 'x'), std::nullopt, "10.9.9.9").ok());
}

TEST_F(AuthServiceTest, LoginChecksThePassword) {
  ASSERT_TRUE(auth_->register_user("dave", "password123", std::nullopt, "10.9.9.9").ok());
  EXPECT_TRUE(auth_->login("DAVE", "password123", "10.0.0.1").ok());
  auto wrong = auth_->login("dave", "password124", "10.0.0.1");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, ErrorCode::unauthenticated);
  auto unknown = auth_->login("nobody", "password123", "10.0.0.1");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::unauthenticated);
  EXPECT_EQ(unknown.error().message, wrong.error().message);
}

TEST_F(AuthServiceTest, RepeatedLoginFailuresAreRateLimitedEvenWithTheRightPassword) {
  ASSERT_TRUE(auth_->register_user("erin", "password123", std::nullopt, "10.9.9.9").ok());
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(auth_->login("erin", "wrong-password", "10.0.0.2").ok());
  auto limited = auth_->login("erin", "password123", "10.0.0.2");
  ASSERT_FALSE(limited.ok());
  EXPECT_EQ(limited.error().code, ErrorCode::rate_limited);
  EXPECT_GE(limited.error().retry_after_seconds, 1);
  clock_.advance_ms(301'000);
  EXPECT_TRUE(auth_->login("erin", "password123", "10.0.0.2").ok());
}

TEST_F(AuthServiceTest, SuccessfulLoginsDoNotCountAgainstTheLimit) {
  ASSERT_TRUE(auth_->register_user("olivia", "password123", std::nullopt, "10.9.9.9").ok());
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(auth_->login("olivia", "password123", "10.0.0.4").ok());
}

TEST_F(AuthServiceTest, JunkUsernamesShareOneBucket) {
  ASSERT_TRUE(auth_->register_user("peggy", "password123", std::nullopt, "10.9.9.9").ok());
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(auth_->login(std::string(100 + i, '!'), "whatever1", "10.0.0.5").error().code,
              ErrorCode::unauthenticated);
  }
  EXPECT_EQ(auth_->login("!!", "whatever1", "10.0.0.5").error().code, ErrorCode::rate_limited);
  EXPECT_TRUE(auth_->login("peggy", "password123", "10.0.0.5").ok());
}

TEST_F(AuthServiceTest, RegistrationsAreLimitedPerAddress) {
  int created = 0;
  for (int i = 0; i < 101; ++i) {
    auto result = auth_->register_user("bulk" + std::to_string(i), "password123", std::nullopt, "10.0.0.6");
    if (result.ok()) {
      ++created;
    } else {
      EXPECT_EQ(result.error().code, ErrorCode::rate_limited);
    }
  }
  EXPECT_EQ(created, 100);
  EXPECT_TRUE(auth_->register_user("elsewhere", "password123", std::nullopt, "10.0.0.7").ok());
}

TEST_F(AuthServiceTest, RefreshRotatesTheToken) {
  auto first = auth_->register_user("frank", "password123", std::nullopt, "10.9.9.9");
  ASSERT_TRUE(first.ok());
  auto second = auth_->refresh(first->refresh_token);
  ASSERT_TRUE(second.ok());
  EXPECT_NE(second->refresh_token, first->refresh_token);
  EXPECT_TRUE(auth_->authenticate(second->access_token).ok());
  EXPECT_TRUE(auth_->refresh(second->refresh_token).ok());
}

TEST_F(AuthServiceTest, ReusingARefreshTokenRevokesTheWholeSession) {
  auto first = auth_->register_user("grace", "password123", std::nullopt, "10.9.9.9");
  ASSERT_TRUE(first.ok());
  auto second = auth_->refresh(first->refresh_token);
  ASSERT_TRUE(second.ok());

  auto reuse = auth_->refresh(first->refresh_token);
  ASSERT_FALSE(reuse.ok());
  EXPECT_EQ(reuse.error().code, ErrorCode::unauthenticated);
  EXPECT_FALSE(auth_->refresh(second->refresh_token).ok());
  EXPECT_FALSE(auth_->authenticate(second->access_token).ok());
  EXPECT_FALSE(auth_->authenticate(first->access_token).ok());
}

TEST_F(AuthServiceTest, LogoutEndsOnlyThatSession) {
  auto phone = auth_->register_user("heidi", "password123", std::nullopt, "10.9.9.9");
  auto laptop = auth_->login("heidi", "password123", "10.0.0.3");
  ASSERT_TRUE(phone.ok() && laptop.ok());
  auto principal = auth_->authenticate(phone->access_token);
  ASSERT_TRUE(principal.ok());
  ASSERT_TRUE(auth_->logout(*principal).ok());
  EXPECT_FALSE(auth_->authenticate(phone->access_token).ok());
  EXPECT_FALSE(auth_->refresh(phone->refresh_token).ok());
  EXPECT_TRUE(auth_->authenticate(laptop->access_token).ok());
}

TEST_F(AuthServiceTest, EndedSessionsNamesOnlyTheSessionsThatEnded) {
  auto phone = auth_->register_user("ivan", "password123", std::nullopt, "10.9.9.8");
  auto laptop = auth_->login("ivan", "password123", "10.0.0.4");
  ASSERT_TRUE(phone.ok() && laptop.ok());
  auto on_phone = auth_->authenticate(phone->access_token);
  auto on_laptop = auth_->authenticate(laptop->access_token);
  ASSERT_TRUE(on_phone.ok() && on_laptop.ok());
  ASSERT_TRUE(auth_->logout(*on_phone).ok());
  auto judy = auth_->register_user("judy", "password123", std::nullopt, "10.9.9.7");
  ASSERT_TRUE(judy.ok());
  auto on_judys_phone = auth_->authenticate(judy->access_token);
  ASSERT_TRUE(on_judys_phone.ok());
  // A live session whose account is not there.
  services::Principal gone = *on_judys_phone;
  gone.user_id = std::numeric_limits<model::Id>::max();

  auto ended = auth_->ended_sessions({*on_phone, *on_laptop, gone, *on_phone, *on_laptop});
  ASSERT_TRUE(ended.ok());
  ASSERT_EQ(ended->size(), 2u);
  EXPECT_EQ(ended->at(on_phone->session_id).code, ErrorCode::unauthenticated);
  EXPECT_EQ(ended->at(gone.session_id).code, ErrorCode::forbidden);
  EXPECT_FALSE(ended->contains(on_laptop->session_id));
  EXPECT_TRUE(auth_->ended_sessions({})->empty());
}

TEST_F(AuthServiceTest, AccessTokensExpire) {
  auto tokens = auth_->register_user("ivan", "password123", std::nullopt, "10.9.9.9");
  ASSERT_TRUE(tokens.ok());
  clock_.advance_ms(899'000);
  EXPECT_TRUE(auth_->authenticate(tokens->access_token).ok());
  clock_.advance_ms(2'000);
  auto expired = auth_->authenticate(tokens->access_token);
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().code, ErrorCode::unauthenticated);
}

TEST_F(AuthServiceTest, RefreshTokensExpire) {
  auto tokens = auth_->register_user("judy", "password123", std::nullopt, "10.9.9.9");
  ASSERT_TRUE(tokens.ok());
  clock_.advance_ms(31LL * 24 * 3600 * 1000);
  EXPECT_FALSE(auth_->refresh(tokens->refresh_token).ok());
}

TEST_F(AuthServiceTest, RefreshTokenIsNotAnAccessToken) {
  auto tokens = auth_->register_user("kim", "password123", std::nullopt, "10.9.9.9");
  ASSERT_TRUE(tokens.ok());
  EXPECT_FALSE(auth_->authenticate(tokens->refresh_token).ok());
}

TEST_F(AuthServiceTest, EnsureAdminCreatesOrPromotes) {
  auto created = auth_->ensure_admin("root", "password123");
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created->role, model::Role::admin);
  ASSERT_TRUE(auth_->register_user("mallory", "password123", std::nullopt, "10.9.9.9").ok());
  auto promoted = auth_->ensure_admin("Mallory", "");
  ASSERT_TRUE(promoted.ok());
  EXPECT_EQ(promoted->role, model::Role::admin);
  EXPECT_FALSE(auth_->ensure_admin("newadmin", "short").ok());
}

}  // namespace
}  // namespace talkline::testing
