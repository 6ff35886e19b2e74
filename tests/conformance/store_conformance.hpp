#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "store/store.hpp"

// The Store conformance suite: every backend of store::Store must pass the same cases.
// A backend's test file only instantiates it:
//
//   TALKLINE_INSTANTIATE_STORE_CONFORMANCE(Sqlite,
//       talkline::conformance::StoreFactory{"sqlite", [] { return make_my_store(); }});
//
// Each test calls the factory once and expects an empty store, which it destroys at the
// end. Ids and times are made up by the fixture, so the cases are deterministic.

namespace talkline::conformance {

/// A group-size cap no test reaches, for calls that are not about the cap.
inline constexpr int kNoMemberLimit = 1'000'000;

struct StoreFactory {
  std::string name;
  std::function<std::unique_ptr<store::Store>()> make;
};

/// Lets gtest print a factory as its name in failure messages.
void PrintTo(const StoreFactory& factory, std::ostream* out);

/// Names the instantiated tests after the factory (gtest's name generator).
std::string store_factory_name(const testing::TestParamInfo<StoreFactory>& info);

/// Thrown by must() so a failed setup step ends the test (gtest reports the exception).
struct SetupFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// "ok", or the error's code name: `EXPECT_EQ(outcome(r), "conflict")` reads well and
/// prints the actual code on failure.
template <typename T>
std::string outcome(const Result<T>& result) {
  if (result.ok()) return "ok";
  return std::string(error_code_name(result.error().code));
}

/// The error's message, or "" for a success: some refusals are told apart only by it.
template <typename T>
std::string message_of(const Result<T>& result) {
  return result.ok() ? "" : result.error().message;
}

/// The field named by an invalid_argument error, or "" when there is none.
template <typename T>
std::string field_of(const Result<T>& result) {
  if (result.ok() || result.error().fields.empty()) return "";
  return result.error().fields.front().field;
}

std::string describe(const Error& error);

/// The value of a step the test depends on; throws SetupFailed when it failed.
template <typename T>
T must(Result<T> result) {
  if (!result.ok()) throw SetupFailed(describe(result.error()));
  return std::move(result).value();
}
void must(Result<void> result);

/// A change of `kind` to `message` by `actor` at `at`, nothing else set.
inline model::MessageChange change_of(model::ChangeKind kind, const model::Message& message, const model::User& actor,
                                      model::Millis at) {
  model::MessageChange change;
  change.kind = kind;
  change.conversation_id = message.conversation_id;
  change.message_id = message.id;
  change.actor_id = actor.id;
  change.at = at;
  return change;
}

class StoreConformance : public testing::TestWithParam<StoreFactory> {
 protected:
  static constexpr model::Millis kStart = 1'700'000'000'000;

  void SetUp() override;
  void TearDown() override;

  store::Store& store() { return *store_; }

  /// A fresh id, larger than every id handed out before (ids are time-ordered).
  model::Id new_id() { return next_id_++; }
  /// A fixed clock that moves one second per call.
  model::Millis tick() { return now_ += 1000; }
  model::Millis now() const { return now_; }

  model::User add_user(const std::string& username);
  model::Conversation add_group(const model::User& owner, const std::vector<model::User>& others,
                                const std::string& title = "group");
  model::Conversation add_direct(const model::User& a, const model::User& b);
  /// Sends `body` with a fresh client id at the next tick.
  model::Message send(const model::Conversation& conversation, const model::User& sender, const std::string& body);
  model::NewMessage new_message(const model::Conversation& conversation, const model::User& sender,
                                const std::string& body);
  model::RefreshToken new_token(const model::User& user, model::Id family_id, const std::string& hash);

 private:
  std::unique_ptr<store::Store> store_;
  model::Id next_id_ = 1;
  model::Millis now_ = kStart;
};

}  // namespace talkline::conformance

/// Instantiates the suite for the given StoreFactory values. Use at namespace scope; the
/// suite name must be a plain identifier for gtest, hence the using-declaration.
#define TALKLINE_INSTANTIATE_STORE_CONFORMANCE(prefix, ...)                          \
  using ::talkline::conformance::StoreConformance;                                   \
  INSTANTIATE_TEST_SUITE_P(prefix, StoreConformance, ::testing::Values(__VA_ARGS__), \
                           ::talkline::conformance::store_factory_name)
