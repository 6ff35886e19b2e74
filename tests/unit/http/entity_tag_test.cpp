#include "transport/http/entity_tag.hpp"

#include <gtest/gtest.h>

namespace talkline::transport::http {
namespace {

constexpr std::string_view kTag = "\"abc123\"";

TEST(EntityTag, StrongEtagQuotesAndDropsUnsafeBytes) {
  EXPECT_EQ(strong_etag("abc123"), "\"abc123\"");
  EXPECT_EQ(strong_etag("a\"b c\\d\r\n"), "\"abcd\"");
}

TEST(EntityTag, StarMatches) {
  EXPECT_TRUE(if_none_match_matches("*", kTag));
  EXPECT_TRUE(if_none_match_matches("  * ", kTag));
}

TEST(EntityTag, ExactTagMatches) { EXPECT_TRUE(if_none_match_matches("\"abc123\"", kTag)); }

TEST(EntityTag, WeakComparisonIgnoresTheWeakPrefix) {
  EXPECT_TRUE(if_none_match_matches("W/\"abc123\"", kTag));
  EXPECT_TRUE(if_none_match_matches("\"abc123\"", "W/\"abc123\""));
}

TEST(EntityTag, ListMemberMatches) {
  EXPECT_TRUE(if_none_match_matches("\"x\", W/\"y\" ,\"abc123\"", kTag));
  EXPECT_TRUE(if_none_match_matches(", \"abc123\",,", kTag));
}

TEST(EntityTag, OtherTagsDoNotMatch) {
  EXPECT_FALSE(if_none_match_matches("\"abc1234\"", kTag));
  EXPECT_FALSE(if_none_match_matches("\"ABC123\"", kTag));
  EXPECT_FALSE(if_none_match_matches("", kTag));
}

TEST(EntityTag, CommaInsideATagIsPartOfIt) {
  EXPECT_TRUE(if_none_match_matches("\"a,b\"", "\"a,b\""));
  EXPECT_FALSE(if_none_match_matches("\"a,b\"", "\"a\""));
}

TEST(EntityTag, MalformedListMatchesNothing) {
  for (std::string_view header :
       {"abc123", "\"abc123", "\"abc123\" x", "w/\"abc123\"", "*, \"abc123\"", "\"abc123\" \"x\"", "\"ab c123\""}) {
    EXPECT_FALSE(if_none_match_matches(header, kTag)) << header;
  }
}

TEST(EntityTag, AnyOfSeveralHeaderLinesMatches) {
  EXPECT_TRUE(if_none_match_matches(std::vector<std::string_view>{"\"x\"", "\"abc123\""}, kTag));
  EXPECT_FALSE(if_none_match_matches(std::vector<std::string_view>{"\"x\""}, kTag));
}

TEST(EntityTag, IfRangeNeedsTheSameStrongTag) {
  EXPECT_TRUE(if_range_matches("\"abc123\"", kTag));
  EXPECT_FALSE(if_range_matches("W/\"abc123\"", kTag));
  EXPECT_FALSE(if_range_matches("\"abc123\"", "W/\"abc123\""));
  EXPECT_FALSE(if_range_matches("Wed, 21 Oct 2015 07:28:00 GMT", kTag));
  EXPECT_FALSE(if_range_matches("\"other\"", kTag));
}

}  // namespace
}  // namespace talkline::transport::http
