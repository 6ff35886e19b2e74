#include "util/shared_bytes.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>

namespace talkline::util {
namespace {

TEST(SharedBytes, CopiesShareOneBuffer) {
  const SharedBytes original(std::string(100, 'x'));
  const SharedBytes copy = original;  // NOLINT(performance-unnecessary-copy-initialization): the copy is the point
  EXPECT_EQ(copy.data(), original.data());
  EXPECT_EQ(original.use_count(), 2);
  EXPECT_EQ(copy.view(), std::string(100, 'x'));
}

TEST(SharedBytes, TakesTheStringsBufferWithoutCopyingIt) {
  std::string bytes(100, 'y');
  const char* buffer = bytes.data();
  const SharedBytes shared(std::move(bytes));
  EXPECT_EQ(shared.data(), buffer);
  EXPECT_EQ(shared.size(), 100U);
}

TEST(SharedBytes, EmptyBytesHoldNoBuffer) {
  EXPECT_EQ(SharedBytes().use_count(), 0);
  EXPECT_EQ(SharedBytes(std::string()).use_count(), 0);
  EXPECT_TRUE(SharedBytes().empty());
  EXPECT_EQ(SharedBytes().str(), "");
}

TEST(SharedBytes, EqualityComparesTheBytesNotTheBuffers) {
  EXPECT_EQ(SharedBytes(std::string("abc")), SharedBytes(std::string("abc")));
  EXPECT_NE(SharedBytes(std::string("abc")), SharedBytes(std::string("abd")));
  EXPECT_EQ(SharedBytes(), SharedBytes(std::string()));
}

}  // namespace
}  // namespace talkline::util
