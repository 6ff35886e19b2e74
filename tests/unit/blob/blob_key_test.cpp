#include "blob/blob_key.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace talkline::blob {
namespace {

TEST(BlobKey, AcceptsKeyCharactersInNonEmptySegments) {
  for (const auto& key : std::vector<std::string>{"a", "u/123/photo.jpg", "...", ".hidden/x", "a..b", "A-Z_0.9",
                                                  std::string(kMaxKeyLength, 'x')}) {
    EXPECT_TRUE(check_key(key).ok()) << key;
  }
}

TEST(BlobKey, RefusesKeysThatCouldEscapeOrConfuse) {
  for (const auto& key :
       std::vector<std::string>{"", "/a", "a/", "a//b", ".", "..", "../a", "a/..", "a/./b", "a b", "a~b", "a\\b",
                                "a%2F", "\xc3\xa9", std::string("a\0", 2), std::string(kMaxKeyLength + 1, 'x')}) {
    const auto checked = check_key(key);
    ASSERT_FALSE(checked.ok()) << key;
    EXPECT_EQ(checked.error().code, ErrorCode::invalid_argument);
    EXPECT_EQ(checked.error().fields.front().field, "key");
  }
}

TEST(BlobKey, PrefixesMayBeEmptyOrEndInASlash) {
  EXPECT_TRUE(check_prefix("").ok());
  EXPECT_TRUE(check_prefix("u/").ok());
  EXPECT_TRUE(check_prefix("u/12").ok());
  EXPECT_FALSE(check_prefix("u /").ok());
  EXPECT_FALSE(check_prefix(std::string(kMaxKeyLength + 1, 'p')).ok());
}

}  // namespace
}  // namespace talkline::blob
