// UserService records when a user was last connected anywhere; the gateway calls it when
// a user goes offline, and every user object shows it as lastSeenAt.
#include "service_fixture.hpp"

namespace talkline::testing {
namespace {

using LastSeenTest = ServiceTest;

TEST_F(LastSeenTest, ANewUserHasNoLastSeenTime) {
  auto alice = make_user("alice");
  EXPECT_FALSE(users_->get(alice.user_id)->last_seen_at.has_value());
}

TEST_F(LastSeenTest, RecordedTimeShowsInTheProfile) {
  auto alice = make_user("alice");
  const auto at = clock_.now_ms();
  ASSERT_TRUE(users_->record_last_seen({{alice.user_id, at}}).ok());
  EXPECT_EQ(users_->get(alice.user_id)->last_seen_at, std::optional<model::Millis>(at));
}

TEST_F(LastSeenTest, AnEarlierTimeArrivingLateDoesNotRewindIt) {
  auto alice = make_user("alice");
  const auto later = clock_.now_ms() + 5'000;
  ASSERT_TRUE(users_->record_last_seen({{alice.user_id, later}}).ok());
  ASSERT_TRUE(users_->record_last_seen({{alice.user_id, later - 3'000}}).ok());
  EXPECT_EQ(users_->get(alice.user_id)->last_seen_at, std::optional<model::Millis>(later));
}

TEST_F(LastSeenTest, AnUnknownUserDoesNotKeepTheOthersFromBeingRecorded) {
  auto alice = make_user("alice");
  const auto at = clock_.now_ms();
  ASSERT_TRUE(users_->record_last_seen({{alice.user_id + 1000, at}, {alice.user_id, at}}).ok());
  EXPECT_EQ(users_->get(alice.user_id)->last_seen_at, std::optional<model::Millis>(at));
}

}  // namespace
}  // namespace talkline::testing
