#include "blob/s3/endpoint_url.hpp"

#include <gtest/gtest.h>

namespace talkline::blob::s3 {
namespace {

TEST(EndpointUrl, ReadsSchemeHostPortAndPath) {
  auto url = parse_endpoint_url("http://127.0.0.1:9000", "endpoint");
  ASSERT_TRUE(url.ok());
  EXPECT_FALSE(url->tls);
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, "9000");
  EXPECT_EQ(url->base_path, "");
  EXPECT_EQ(url->host_header, "127.0.0.1:9000");

  url = parse_endpoint_url("https://s3.eu-west-1.amazonaws.com/", "endpoint");
  ASSERT_TRUE(url.ok());
  EXPECT_TRUE(url->tls);
  EXPECT_EQ(url->host, "s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(url->port, "443");
  EXPECT_EQ(url->base_path, "");
  EXPECT_EQ(url->host_header, "s3.eu-west-1.amazonaws.com");

  url = parse_endpoint_url("http://minio.local/storage//s3", "endpoint");
  ASSERT_FALSE(url.ok());  // an empty segment
  url = parse_endpoint_url("http://minio.local/storage/s3/", "endpoint");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->port, "80");
  EXPECT_EQ(url->base_path, "/storage/s3");
}

TEST(EndpointUrl, ReadsBracketedIpv6) {
  auto url = parse_endpoint_url("http://[::1]:9000/x", "endpoint");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, "9000");
  EXPECT_EQ(url->host_header, "[::1]:9000");
  EXPECT_EQ(url->base_path, "/x");
  url = parse_endpoint_url("https://[2001:db8::7]", "endpoint");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->port, "443");
}

TEST(EndpointUrl, RefusesWhatItCannotSendAsWritten) {
  for (const char* bad : {"",
                          "127.0.0.1:9000",
                          "ftp://h",
                          "http://",
                          "http:///path",
                          "http://:80",
                          "http://h:",
                          "http://h:0",
                          "http://h:65536",
                          "http://h:123456",
                          "http://h:8a",
                          "http://user@h",
                          "http://h?x=1",
                          "http://h/#f",
                          "http://h/a b",
                          "http://h\r\nX-Evil: 1/",
                          "http://h/./a",
                          "http://h/a/..",
                          "http://h/%41",
                          "http://[::1",
                          "http://[]:1",
                          "http://[::1]x",
                          "http://[zz::1]",
                          "http://h_h",
                          "https://h:-1"}) {
    const auto url = parse_endpoint_url(bad, "s3_endpoint");
    EXPECT_FALSE(url.ok()) << bad;
    if (!url.ok()) {
      EXPECT_EQ(url.error().code, ErrorCode::invalid_argument);
      ASSERT_FALSE(url.error().fields.empty());
      EXPECT_EQ(url.error().fields.front().field, "s3_endpoint");
    }
  }
}

}  // namespace
}  // namespace talkline::blob::s3
