#include <gtest/gtest.h>

#include "transport/http/media_type.hpp"
#include "transport/http/message.hpp"
#include "transport/http/request_id.hpp"

namespace talkline::transport::http {
namespace {

TEST(Headers, LookupIgnoresCase) {
  Headers headers;
  headers.add("Content-Type", "application/json");
  EXPECT_EQ(headers.get("content-type"), "application/json");
  EXPECT_EQ(headers.get("CONTENT-TYPE"), "application/json");
  EXPECT_TRUE(headers.has("Content-type"));
  EXPECT_FALSE(headers.has("Content-Length"));
}

TEST(Headers, SetReplacesEverySameNamedHeader) {
  Headers headers;
  headers.add("Vary", "Origin");
  headers.add("X-Other", "1");
  headers.add("vary", "Accept");
  headers.set("VARY", "Cookie");
  ASSERT_EQ(headers.all().size(), 2u);
  EXPECT_EQ(headers.get("vary"), "Cookie");
}

TEST(Headers, AddKeepsDuplicatesAndGetReturnsFirst) {
  Headers headers;
  headers.add("Set-Cookie", "a=1");
  headers.add("set-cookie", "b=2");
  EXPECT_EQ(headers.all().size(), 2u);
  EXPECT_EQ(headers.get("Set-Cookie"), "a=1");
}

TEST(Request, QueryParamIsNulloptWhenAbsent) {
  Request request;
  request.query["limit"] = "10";
  EXPECT_EQ(request.query_param("limit"), "10");
  EXPECT_EQ(request.query_param("before"), std::nullopt);
}

TEST(Response, JsonSetsContentType) {
  auto response = Response::json(201, R"({"id":"1"})");
  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(response.headers.get("Content-Type"), "application/json");
  EXPECT_EQ(response.body, R"({"id":"1"})");
}

TEST(Response, EmptyHasNoBodyOrHeaders) {
  auto response = Response::empty(204);
  EXPECT_EQ(response.status, 204);
  EXPECT_TRUE(response.body.empty());
  EXPECT_TRUE(response.headers.all().empty());
}

TEST(MediaType, AcceptsJsonAndStructuredJsonSuffixes) {
  EXPECT_TRUE(is_json_media_type("application/json"));
  EXPECT_TRUE(is_json_media_type("Application/JSON; charset=utf-8"));
  EXPECT_TRUE(is_json_media_type(" application/json ;charset=UTF-8"));
  EXPECT_TRUE(is_json_media_type("application/merge-patch+json"));
  EXPECT_TRUE(is_json_media_type("application/problem+json"));
}

TEST(MediaType, RejectsEverythingElse) {
  EXPECT_FALSE(is_json_media_type(""));
  EXPECT_FALSE(is_json_media_type("text/plain"));
  EXPECT_FALSE(is_json_media_type("text/json"));
  EXPECT_FALSE(is_json_media_type("application/+json"));
  EXPECT_FALSE(is_json_media_type("application/jsonx"));
  EXPECT_FALSE(is_json_media_type("application/x-www-form-urlencoded"));
}

TEST(RequestId, AcceptsOnlySafeIdsUpTo128Chars) {
  EXPECT_TRUE(is_valid_request_id("abc-DEF_123.x"));
  EXPECT_TRUE(is_valid_request_id(std::string(128, 'a')));
  EXPECT_FALSE(is_valid_request_id(std::string(129, 'a')));
  EXPECT_FALSE(is_valid_request_id(""));
  EXPECT_FALSE(is_valid_request_id("has space"));
  EXPECT_FALSE(is_valid_request_id("semi;colon"));
  EXPECT_FALSE(is_valid_request_id("line\nbreak"));
}

TEST(RequestId, GeneratedIdsAreValidAndDistinct) {
  auto first = generate_request_id();
  auto second = generate_request_id();
  EXPECT_TRUE(is_valid_request_id(first));
  EXPECT_EQ(first.size(), 16u);
  EXPECT_NE(first, second);
}

}  // namespace
}  // namespace talkline::transport::http
