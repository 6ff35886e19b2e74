#include <gtest/gtest.h>

#include <string>

#include "transport/http/bearer_token.hpp"

namespace talkline::transport::http {
namespace {

Request with_authorization(std::string value) {
  Request request;
  request.headers.add("Authorization", std::move(value));
  return request;
}

TEST(BearerToken, ReturnsTheTokenAfterTheScheme) {
  const auto request = with_authorization("Bearer abc.def.ghi");
  const auto token = bearer_token(request);
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(*token, "abc.def.ghi");
}

TEST(BearerToken, SchemeIsCaseInsensitive) {
  const auto request = with_authorization("bEARER tok");
  const auto token = bearer_token(request);
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(*token, "tok");
}

TEST(BearerToken, MissingHeaderIsUnauthenticated) {
  const auto token = bearer_token(Request{});
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.error().code, ErrorCode::unauthenticated);
}

TEST(BearerToken, SchemeWithoutTokenIsUnauthenticated) {
  const auto request = with_authorization("Bearer ");
  const auto token = bearer_token(request);
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.error().code, ErrorCode::unauthenticated);
}

TEST(BearerToken, OtherSchemeIsUnauthenticated) {
  const auto request = with_authorization("Basic dXNlcjpwYXNz");
  const auto token = bearer_token(request);
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.error().code, ErrorCode::unauthenticated);
}

}  // namespace
}  // namespace talkline::transport::http
