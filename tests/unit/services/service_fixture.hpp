#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "ratelimit/local_rate_limiter.hpp"
#include "services/auth_service.hpp"
#include "services/conversation_service.hpp"
#include "services/message_service.hpp"
#include "services/user_service.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "unit/store/scratch_sqlite_store.hpp"
#include "util/clock.hpp"
#include "util/id_generator.hpp"

namespace talkline::testing {

/// Real services on a scratch SQLite store, with a manual clock.
class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    scratch_ = std::make_unique<store::testing::ScratchSqliteStore>();
    store_ = &scratch_->store();

    services::AuthSettings settings;
    settings.jwt_secret = std::string(32, 'k');
    settings.argon2 = {8 * 1024, 1, 1};
    settings.login_failures_per_username = 3;
    settings.login_failures_per_ip = 100;
    auth_ = std::make_unique<services::AuthService>(*store_, ids_, clock_, limiter_, settings);
    users_ = std::make_unique<services::UserService>(*store_, limits_);
    conversations_ = std::make_unique<services::ConversationService>(*store_, ids_, clock_, limits_);
    messages_ = std::make_unique<services::MessageService>(*store_, *conversations_, ids_, clock_, limits_);
  }

  void TearDown() override {
    messages_.reset();
    conversations_.reset();
    users_.reset();
    auth_.reset();
    store_ = nullptr;
    scratch_.reset();
  }

  /// Registers a user and returns the principal its access token resolves to.
  services::Principal make_user(const std::string& username) {
    auto tokens = auth_->register_user(username, "correct horse battery", std::nullopt, "10.9.9.9");
    EXPECT_TRUE(tokens.ok()) << (tokens.ok() ? "" : tokens.error().message);
    auto principal = auth_->authenticate(tokens->access_token);
    EXPECT_TRUE(principal.ok());
    return *principal;
  }

  model::Message send(const services::Principal& who, model::Id conversation, const std::string& client_id,
                      const std::string& body) {
    auto sent = messages_->send(who, {conversation, client_id, body, std::nullopt, {}});
    EXPECT_TRUE(sent.ok()) << (sent.ok() ? "" : sent.error().message);
    return sent->message;
  }

  util::ManualClock clock_{1'800'000'000'000};
  util::IdGenerator ids_{1};
  ratelimit::LocalRateLimiter limiter_{clock_};
  services::DomainLimits limits_;
  std::unique_ptr<store::testing::ScratchSqliteStore> scratch_;
  store::sqlite::SqliteStore* store_ = nullptr;
  std::unique_ptr<services::AuthService> auth_;
  std::unique_ptr<services::UserService> users_;
  std::unique_ptr<services::ConversationService> conversations_;
  std::unique_ptr<services::MessageService> messages_;
};

}  // namespace talkline::testing
