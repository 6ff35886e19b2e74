// redis:// URLs as TALKLINE_BUS gives them.
#include "redis/endpoint.hpp"

#include <gtest/gtest.h>

namespace talkline::redis {
namespace {

TEST(RedisUrl, ReadsHostPortAndCredentials) {
  auto plain = parse_url("redis://cache.internal:6380", "TALKLINE_BUS");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->host, "cache.internal");
  EXPECT_EQ(plain->port, 6380);
  EXPECT_TRUE(plain->password.empty());

  auto with_password = parse_url("redis://:s3cret@10.0.0.5/0", "TALKLINE_BUS");
  ASSERT_TRUE(with_password.ok());
  EXPECT_EQ(with_password->host, "10.0.0.5");
  EXPECT_EQ(with_password->port, 6379);
  EXPECT_EQ(with_password->password, "s3cret");
  EXPECT_TRUE(with_password->username.empty());

  auto with_user = parse_url("redis://app:pw@[::1]:7000", "TALKLINE_BUS");
  ASSERT_TRUE(with_user.ok());
  EXPECT_EQ(with_user->host, "::1");
  EXPECT_EQ(with_user->port, 7000);
  EXPECT_EQ(with_user->username, "app");
  EXPECT_EQ(with_user->password, "pw");
}

TEST(RedisUrl, RefusesWhatIsNotARedisUrl) {
  EXPECT_FALSE(parse_url("local", "TALKLINE_BUS").ok());
  EXPECT_FALSE(parse_url("redis://", "TALKLINE_BUS").ok());
  EXPECT_FALSE(parse_url("redis://host:0", "TALKLINE_BUS").ok());
  EXPECT_FALSE(parse_url("redis://host:99999", "TALKLINE_BUS").ok());
  EXPECT_FALSE(parse_url("redis://host:port", "TALKLINE_BUS").ok());
}

}  // namespace
}  // namespace talkline::redis
