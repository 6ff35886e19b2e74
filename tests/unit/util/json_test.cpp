#include "util/json.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>

namespace talkline::util {
namespace {

TEST(Json, ParsesAnObject) {
  const auto result = parse_json_object(R"({"a":1,"b":["x",{"c":null}]})");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.value()["a"], 1);
  EXPECT_EQ(result.value()["b"][0], "x");
}

TEST(Json, RejectsNonObjects) {
  for (const char* text : {"[]", "1", "\"s\"", "null", "true"}) {
    const auto result = parse_json_object(text);
    ASSERT_FALSE(result.ok()) << text;
    EXPECT_EQ(result.error().code, ErrorCode::invalid_argument);
  }
}

TEST(Json, RejectsMalformedJsonWithoutThrowing) {
  const std::string bad[] = {"",           "{",           "{\"a\":}",    "{\"a\":1,}",       "{'a':1}",
                             "{\"a\":1}x", "{\"a\":1}{}", "{\"a\":01}",  "{\"a\":\"\xff\"}", "{\"a\":\"\xED\xA0\x80\"}",
                             "{/*c*/}",    "\xEF\xBB",    "{\"a\":NaN}", "{\"a\":\"\x01\"}"};
  for (const auto& text : bad) {
    EXPECT_NO_THROW({
      const auto result = parse_json_object(text);
      EXPECT_FALSE(result.ok()) << text;
    });
  }
}

// Found by fuzz_json_body: nlohmann treats NUL as the end of input.
TEST(Json, RejectsNulBytesAnywhere) {
  EXPECT_FALSE(parse_json_object(std::string_view("{}\0garbage", 10)).ok());
  EXPECT_FALSE(parse_json_object(std::string_view("{\"a\":\"x\0y\"}", 11)).ok());
  EXPECT_TRUE(parse_json_object(R"({"a":"x\u0000y"})").ok());
}

TEST(Json, RejectsDeepNesting) {
  const std::string deep = "{\"a\":" + std::string(100, '[') + std::string(100, ']') + "}";
  EXPECT_FALSE(parse_json_object(deep).ok());
  EXPECT_TRUE(parse_json_object(deep, 101).ok());
  const std::string hostile = "{\"a\":" + std::string(1'000'000, '[');
  EXPECT_FALSE(parse_json_object(hostile).ok());
}

TEST(Json, DepthLimitCountsTheOuterObject) {
  EXPECT_TRUE(parse_json_object(R"({"a":{"b":{}}})", 3).ok());
  EXPECT_FALSE(parse_json_object(R"({"a":{"b":{}}})", 2).ok());
}

TEST(Json, BracketsInsideStringsDoNotCountAsNesting) {
  const std::string text = "{\"a\":\"" + std::string(100, '[') + "\\\"{{{\"}";
  EXPECT_TRUE(parse_json_object(text, 2).ok());
}

TEST(Json, DumpReplacesInvalidUtf8) {
  const Json value = {{"bad", std::string("a\xff") + "b"}};
  std::string dumped;
  EXPECT_NO_THROW(dumped = dump_json(value));
  EXPECT_EQ(dumped,
            "{\"bad\":\"a\xEF\xBF\xBD"
            "b\"}");
}

TEST(Json, ParseIdAcceptsOnlyPositiveDecimalIds) {
  EXPECT_EQ(parse_id("1"), 1);
  EXPECT_EQ(parse_id("1234567890123456789"), 1234567890123456789);
  EXPECT_EQ(parse_id("9223372036854775807"), std::numeric_limits<std::int64_t>::max());
  for (const char* bad : {"", "0", "-1", "+1", " 1", "1 ", "1a", "0x10", "1.0", "9223372036854775808",
                          "9999999999999999999", "12345678901234567890", "\xEF\xBC\x91"}) {
    EXPECT_FALSE(parse_id(bad).has_value()) << bad;
  }
}

TEST(Json, IdFromJsonAcceptsDigitStringsAndPositiveIntegers) {
  EXPECT_EQ(id_from_json(Json("42")), 42);
  EXPECT_EQ(id_from_json(Json(42)), 42);
  EXPECT_EQ(id_from_json(Json(std::uint64_t{42})), 42);
  EXPECT_EQ(id_from_json(Json(std::numeric_limits<std::int64_t>::max())), std::numeric_limits<std::int64_t>::max());
  for (const Json& bad : {Json(0), Json(-5), Json(4.2), Json(42.0), Json(true), Json(nullptr), Json("-1"), Json("x"),
                          Json(std::numeric_limits<std::uint64_t>::max()), Json::array({1}), Json::object()}) {
    EXPECT_FALSE(id_from_json(bad).has_value()) << bad.dump();
  }
}

}  // namespace
}  // namespace talkline::util
