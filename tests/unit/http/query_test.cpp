#include <gtest/gtest.h>

#include <string>

#include "transport/http/query.hpp"

namespace talkline::transport::http {
namespace {

using namespace std::string_literals;

TEST(SplitTarget, SeparatesPathAndQueryAndDropsFragment) {
  auto parts = split_target("/a/b?x=1&y=2#frag");
  EXPECT_EQ(parts.path, "/a/b");
  EXPECT_EQ(parts.query, "x=1&y=2");

  auto bare = split_target("/only");
  EXPECT_EQ(bare.path, "/only");
  EXPECT_EQ(bare.query, "");

  auto second_question_mark = split_target("/p?a=?b");
  EXPECT_EQ(second_question_mark.query, "a=?b");
}

TEST(DecodePath, DecodesEscapesAndKeepsPlus) {
  EXPECT_EQ(decode_path("/users/a%20b+c"), "/users/a b+c");
  EXPECT_EQ(decode_path("/%E2%82%AC"), "/\xE2\x82\xAC");
  EXPECT_EQ(decode_path("/mixed%2fCase%2F"), "/mixed/Case/");
  EXPECT_EQ(decode_path(""), "");
}

TEST(DecodePath, RejectsMalformedEscapes) {
  EXPECT_EQ(decode_path("/%"), std::nullopt);
  EXPECT_EQ(decode_path("/%4"), std::nullopt);
  EXPECT_EQ(decode_path("/%G1"), std::nullopt);
  EXPECT_EQ(decode_path("/%1G"), std::nullopt);
  EXPECT_EQ(decode_path("/a%%20"), std::nullopt);
}

TEST(DecodePath, RejectsNulBytes) {
  EXPECT_EQ(decode_path("/a%00b"), std::nullopt);
  EXPECT_EQ(decode_path("/a\0b"s), std::nullopt);
}

TEST(DecodeQueryComponent, PlusIsSpace) {
  EXPECT_EQ(decode_query_component("a+b%2Bc"), "a b+c");
  EXPECT_EQ(decode_query_component("%zz"), std::nullopt);
}

TEST(ParseQuery, ParsesPairs) {
  auto params = parse_query("a=1&b=two+words&c=%26%3D");
  ASSERT_TRUE(params.has_value());
  EXPECT_EQ(params->size(), 3u);
  EXPECT_EQ(params->at("a"), "1");
  EXPECT_EQ(params->at("b"), "two words");
  EXPECT_EQ(params->at("c"), "&=");
}

TEST(ParseQuery, HandlesEdgeShapes) {
  auto params = parse_query("&&flag&empty=&=novalue&a=1&a=2&x=y=z");
  ASSERT_TRUE(params.has_value());
  EXPECT_EQ(params->at("flag"), "");
  EXPECT_EQ(params->at("empty"), "");
  EXPECT_EQ(params->at(""), "novalue");
  EXPECT_EQ(params->at("a"), "2");  // the last value wins
  EXPECT_EQ(params->at("x"), "y=z");
  EXPECT_TRUE(parse_query("")->empty());
}

TEST(ParseQuery, RejectsMalformedEscapeAnywhere) {
  EXPECT_EQ(parse_query("a=1&b=%4"), std::nullopt);
  EXPECT_EQ(parse_query("%=1"), std::nullopt);
}

TEST(ParseQuery, SurvivesArbitraryBytes) {
  std::string all_bytes;
  for (int c = 0; c < 256; ++c) all_bytes.push_back(static_cast<char>(c));
  (void)parse_query(all_bytes);
  (void)decode_path(all_bytes);
  EXPECT_TRUE(parse_query("%41%42=%43")->count("AB"));
}

}  // namespace
}  // namespace talkline::transport::http
