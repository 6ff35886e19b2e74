#include <gtest/gtest.h>

#include "services/validation.hpp"

namespace talkline::services {
namespace {

TEST(Validation, UsernamesAreLowerCasedAndRestricted) {
  EXPECT_EQ(validation::username("Ab_c.9").value(), "ab_c.9");
  EXPECT_FALSE(validation::username("ab").ok());
  EXPECT_FALSE(validation::username(std::string(33, 'a')).ok());
  EXPECT_FALSE(validation::username("a-b-c").ok());
  EXPECT_FALSE(validation::username("ab c").ok());
}

TEST(Validation, AvatarUrlMustBeHttpWithAHost) {
  const DomainLimits limits;
  EXPECT_TRUE(validation::avatar_url("", limits).ok());
  EXPECT_TRUE(validation::avatar_url("https://cdn.example.com/a.png", limits).ok());
  EXPECT_FALSE(validation::avatar_url("javascript:alert(1)", limits).ok());
  EXPECT_FALSE(validation::avatar_url("https://", limits).ok());
  EXPECT_FALSE(validation::avatar_url("https://user:pw@host/x", limits).ok());
  EXPECT_FALSE(validation::avatar_url("https://host/a b", limits).ok());
  EXPECT_FALSE(validation::avatar_url("https://host/" + std::string(3000, 'a'), limits).ok());
}

TEST(Validation, MessageBodiesCountCharactersNotBytes) {
  DomainLimits limits;
  limits.message_max_chars = 3;
  EXPECT_TRUE(validation::message_body("日本語", limits).ok());
  EXPECT_FALSE(validation::message_body("日本語!", limits).ok());
  EXPECT_TRUE(validation::message_body("a\nb", limits).ok());
  EXPECT_FALSE(validation::message_body("\x7f", limits).ok());
  EXPECT_FALSE(validation::message_body("\xC2\x85", limits).ok());  // NEL, a C1 control
}

TEST(Validation, PageLimitsAreBounded) {
  const DomainLimits limits;
  EXPECT_EQ(validation::page_limit(std::nullopt, limits).value(), 50);
  EXPECT_EQ(validation::page_limit("100", limits).value(), 100);
  EXPECT_FALSE(validation::page_limit("101", limits).ok());
  EXPECT_FALSE(validation::page_limit("0", limits).ok());
  EXPECT_FALSE(validation::page_limit("5x", limits).ok());
  EXPECT_FALSE(validation::page_limit("-1", limits).ok());
}

}  // namespace
}  // namespace talkline::services
