#include "realtime/acks.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace talkline::realtime {
namespace {

using util::Json;

TEST(OkAck, AloneIsJustOkTrue) { EXPECT_EQ(ok_ack(), Json({{"ok", true}})); }

TEST(OkAck, MergesTheFieldsBesideOkTrue) {
  const Json ack = ok_ack({{"messageId", "101"}, {"seq", 3}, {"duplicate", false}});
  EXPECT_EQ(ack, Json({{"ok", true}, {"messageId", "101"}, {"seq", 3}, {"duplicate", false}}));
}

TEST(OkAck, KeepsNestedFieldsWhole) {
  const Json message = {{"id", "7"}, {"body", "hi"}, {"replyTo", nullptr}};
  const Json ack = ok_ack({{"message", message}, {"items", Json::array({1, 2})}});
  EXPECT_EQ(ack["ok"], true);
  EXPECT_EQ(ack["message"], message);
  EXPECT_EQ(ack["items"], Json::array({1, 2}));
}

TEST(ErrorAck, CarriesTheCodeNameAndMessageOfEveryCode) {
  const std::vector<std::pair<ErrorCode, std::string>> codes = {
      {ErrorCode::invalid_argument, "invalid_argument"},
      {ErrorCode::unauthenticated, "unauthenticated"},
      {ErrorCode::forbidden, "forbidden"},
      {ErrorCode::not_found, "not_found"},
      {ErrorCode::conflict, "conflict"},
      {ErrorCode::payload_too_large, "payload_too_large"},
      {ErrorCode::unsupported_media, "unsupported_media_type"},
      {ErrorCode::rate_limited, "rate_limited"},
      {ErrorCode::unavailable, "unavailable"},
      {ErrorCode::internal, "internal"},
  };
  for (const auto& [code, name] : codes) {
    SCOPED_TRACE(name);
    const Json ack = error_ack(Error{code, "something about " + name, {}, 0});
    EXPECT_EQ(ack["ok"], false);
    ASSERT_TRUE(ack["error"].is_object());
    EXPECT_EQ(ack["error"]["code"], name);
    EXPECT_EQ(ack["error"]["code"], std::string(error_code_name(code)));
    EXPECT_EQ(ack["error"]["message"], "something about " + name);
    EXPECT_FALSE(ack["error"].contains("fields"));
    EXPECT_EQ(ack["error"].contains("retryAfter"), code == ErrorCode::rate_limited);
    EXPECT_EQ(ack.size(), 2U);
  }
}

TEST(ErrorAck, ForbiddenHasOnlyCodeAndMessage) {
  EXPECT_EQ(error_ack(Error::forbidden("not a member")),
            Json({{"ok", false}, {"error", {{"code", "forbidden"}, {"message", "not a member"}}}}));
}

TEST(ErrorAck, InvalidArgumentListsTheFields) {
  const Json ack = error_ack(Error::invalid("conversationId", "is required"));
  EXPECT_EQ(ack["error"]["code"], "invalid_argument");
  EXPECT_EQ(ack["error"]["message"], "request validation failed");
  EXPECT_EQ(ack["error"]["fields"], Json::array({{{"field", "conversationId"}, {"message", "is required"}}}));
}

TEST(ErrorAck, InvalidArgumentKeepsEveryFieldInOrder) {
  Error error = Error::invalid("body", "must not be empty");
  error.fields.push_back({"clientMsgId", "is required"});
  const Json fields = error_ack(error)["error"]["fields"];
  ASSERT_TRUE(fields.is_array());
  ASSERT_EQ(fields.size(), 2U);
  EXPECT_EQ(fields[0], Json({{"field", "body"}, {"message", "must not be empty"}}));
  EXPECT_EQ(fields[1], Json({{"field", "clientMsgId"}, {"message", "is required"}}));
}

TEST(ErrorAck, RateLimitedSaysWhenToRetry) {
  const Json ack = error_ack(Error::rate_limited("slow down", 7));
  EXPECT_EQ(ack,
            Json({{"ok", false}, {"error", {{"code", "rate_limited"}, {"message", "slow down"}, {"retryAfter", 7}}}}));
}

}  // namespace
}  // namespace talkline::realtime
