// An administrator suspends and reinstates accounts through AuthService; a suspension
// ends the account's sessions at once and announces each of them.
#include <algorithm>
#include <mutex>
#include <utility>
#include <vector>

#include "service_fixture.hpp"
#include "util/crypto.hpp"

namespace talkline::testing {
namespace {

constexpr const char* kPassword = "correct horse battery";

/// Remembers the sessions announced as ended.
class SessionEndRecorder : public services::EventPublisher {
 public:
  void message_created(const model::Message&, const std::vector<model::Id>&, std::string_view) override {}
  void message_changed(const model::Change&, const std::vector<model::Id>&, std::string_view) override {}
  void cursor_moved(const model::Member&, model::CursorKind, const std::vector<model::Id>&, model::Millis) override {}
  void conversation_changed(const model::Conversation&, const std::vector<model::Id>&) override {}
  void session_ended(model::Id user_id, model::Id session_id) override {
    std::lock_guard lock(mutex_);
    ended_.emplace_back(user_id, session_id);
  }

  std::vector<std::pair<model::Id, model::Id>> ended() {
    std::lock_guard lock(mutex_);
    auto sorted = ended_;
    std::sort(sorted.begin(), sorted.end());
    return sorted;
  }

 private:
  std::mutex mutex_;
  std::vector<std::pair<model::Id, model::Id>> ended_;
};

class AccountSuspensionTest : public ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    auth_->publish_to(&recorder_);
    ASSERT_TRUE(auth_->ensure_admin("root", kPassword).ok());
    admin_ = signed_in(auth_->login("root", kPassword, "10.0.0.1"));
    phone_ = must(auth_->register_user("bob", kPassword, std::nullopt, "10.0.0.2"));
    laptop_ = must(auth_->login("bob", kPassword, "10.0.0.3"));
    bob_ = signed_in(phone_);
  }

  template <typename T>
  T must(Result<T> result) {
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
    return std::move(result).value();
  }

  services::Principal signed_in(Result<services::AuthTokens> tokens) {
    return must(auth_->authenticate(must(std::move(tokens)).access_token));
  }

  SessionEndRecorder recorder_;
  services::Principal admin_;
  services::Principal bob_;
  services::AuthTokens phone_;
  services::AuthTokens laptop_;
};

TEST_F(AccountSuspensionTest, SuspendedAccountCanNeitherLogInNorRefreshNorUseItsTokens) {
  const auto at = clock_.now_ms();
  auto suspended = auth_->suspend(admin_, bob_.user_id);
  ASSERT_TRUE(suspended.ok()) << suspended.error().message;
  EXPECT_EQ(suspended->id, bob_.user_id);
  EXPECT_EQ(suspended->banned_at, std::optional<model::Millis>(at));

  auto login = auth_->login("bob", kPassword, "10.0.0.4");
  ASSERT_FALSE(login.ok());
  EXPECT_EQ(login.error().code, ErrorCode::forbidden);
  EXPECT_EQ(login.error().message, "this account is suspended");
  for (const auto* tokens : {&phone_, &laptop_}) {
    EXPECT_FALSE(auth_->refresh(tokens->refresh_token).ok());
    auto authenticated = auth_->authenticate(tokens->access_token);
    ASSERT_FALSE(authenticated.ok());
    EXPECT_EQ(authenticated.error().code, ErrorCode::unauthenticated);
  }
  auto usable = auth_->account_usable(bob_.user_id);
  ASSERT_FALSE(usable.ok());
  EXPECT_EQ(usable.error().code, ErrorCode::forbidden);
  EXPECT_TRUE(auth_->authenticate(must(auth_->login("root", kPassword, "10.0.0.1")).access_token).ok());
}

TEST_F(AccountSuspensionTest, SuspensionAnnouncesEachSessionItEnded) {
  const auto laptop = must(auth_->authenticate(laptop_.access_token));
  ASSERT_TRUE(auth_->suspend(admin_, bob_.user_id).ok());
  std::vector<std::pair<model::Id, model::Id>> expected{{bob_.user_id, bob_.session_id},
                                                        {bob_.user_id, laptop.session_id}};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(recorder_.ended(), expected);

  auto ended = auth_->ended_sessions({bob_, laptop, admin_});
  ASSERT_TRUE(ended.ok());
  EXPECT_TRUE(ended->contains(bob_.session_id));
  EXPECT_TRUE(ended->contains(laptop.session_id));
  EXPECT_FALSE(ended->contains(admin_.session_id));
}

TEST_F(AccountSuspensionTest, SuspendingAgainKeepsTheFirstTimeAndEndsSessionsBegunSince) {
  const auto first = clock_.now_ms();
  ASSERT_TRUE(auth_->suspend(admin_, bob_.user_id).ok());
  // A login that read the account just before the suspension stored its session after it.
  model::RefreshToken late;
  late.id = ids_.next();
  late.user_id = bob_.user_id;
  late.family_id = ids_.next();
  late.token_hash = util::sha256_hex("late-login");
  late.created_at = clock_.now_ms();
  late.expires_at = late.created_at + 60'000;
  ASSERT_TRUE(store_->refresh_token_insert(late).ok());
  const auto announced_before = recorder_.ended().size();

  clock_.advance_ms(5'000);
  auto again = auth_->suspend(admin_, bob_.user_id);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->banned_at, std::optional<model::Millis>(first));
  EXPECT_FALSE(must(store_->session_is_active(late.family_id)));
  ASSERT_EQ(recorder_.ended().size(), announced_before + 1);
  EXPECT_EQ(auth_->suspend(admin_, bob_.user_id)->banned_at, std::optional<model::Millis>(first));
  EXPECT_EQ(recorder_.ended().size(), announced_before + 1);
}

TEST_F(AccountSuspensionTest, ReinstatedAccountLogsInAgainButItsEndedSessionsStayEnded) {
  ASSERT_TRUE(auth_->suspend(admin_, bob_.user_id).ok());
  auto reinstated = auth_->reinstate(admin_, bob_.user_id);
  ASSERT_TRUE(reinstated.ok());
  EXPECT_FALSE(reinstated->banned_at.has_value());
  EXPECT_FALSE(must(auth_->reinstate(admin_, bob_.user_id)).banned_at.has_value());

  auto login = auth_->login("bob", kPassword, "10.0.0.4");
  ASSERT_TRUE(login.ok());
  EXPECT_TRUE(auth_->authenticate(login->access_token).ok());
  EXPECT_TRUE(auth_->account_usable(bob_.user_id).ok());
  EXPECT_FALSE(auth_->refresh(phone_.refresh_token).ok());
  EXPECT_FALSE(auth_->authenticate(phone_.access_token).ok());
}

TEST_F(AccountSuspensionTest, OnlyAdministratorsMaySuspendOrReinstate) {
  auto carol = make_user("carol");
  for (auto outcome : {auth_->suspend(carol, bob_.user_id), auth_->reinstate(carol, bob_.user_id)}) {
    ASSERT_FALSE(outcome.ok());
    EXPECT_EQ(outcome.error().code, ErrorCode::forbidden);
  }
  EXPECT_FALSE(must(store_->user_get(bob_.user_id)).banned_at.has_value());
  EXPECT_TRUE(auth_->authenticate(phone_.access_token).ok());
  EXPECT_TRUE(recorder_.ended().empty());
}

TEST_F(AccountSuspensionTest, TheRoleIsTheCurrentOneNotTheTokens) {
  ASSERT_TRUE(store_->user_set_role(admin_.user_id, model::Role::user).ok());
  auto refused = auth_->suspend(admin_, bob_.user_id);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::forbidden);
}

TEST_F(AccountSuspensionTest, AnAdministratorCannotSuspendThemselves) {
  auto refused = auth_->suspend(admin_, admin_.user_id);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(refused.error().fields.at(0).field, "id");
  EXPECT_FALSE(must(store_->user_get(admin_.user_id)).banned_at.has_value());
  EXPECT_TRUE(auth_->authenticate(must(auth_->login("root", kPassword, "10.0.0.1")).access_token).ok());
}

TEST_F(AccountSuspensionTest, AnUnknownUserIsNotFound) {
  const model::Id nobody = bob_.user_id + 1'000'000;
  for (auto outcome : {auth_->suspend(admin_, nobody), auth_->reinstate(admin_, nobody)}) {
    ASSERT_FALSE(outcome.ok());
    EXPECT_EQ(outcome.error().code, ErrorCode::not_found);
    EXPECT_EQ(outcome.error().message, "user not found");
  }
}

}  // namespace
}  // namespace talkline::testing
