#include <gtest/gtest.h>

#include "jobs/webhook_client.hpp"

namespace talkline::jobs {
namespace {

WebhookTarget parsed(std::string_view url) {
  auto target = parse_webhook_url(url, "TALKLINE_WEBHOOK_URL");
  EXPECT_TRUE(target.ok()) << url << ": " << (target.ok() ? "" : target.error().message);
  return target.ok() ? *target : WebhookTarget{};
}

std::string problem(std::string_view url) {
  auto target = parse_webhook_url(url, "TALKLINE_WEBHOOK_URL");
  EXPECT_FALSE(target.ok()) << url << " was accepted";
  if (target.ok()) return {};
  EXPECT_EQ(target.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(target.error().fields.at(0).field, "TALKLINE_WEBHOOK_URL");
  EXPECT_EQ(target.error().message, "TALKLINE_WEBHOOK_URL: " + target.error().fields.at(0).message);
  return target.error().fields.at(0).message;
}

TEST(WebhookUrl, SplitsHostPortAndTarget) {
  const auto full = parsed("http://hooks.example.com:8081/v1/offline?key=abc#ignored");
  EXPECT_EQ(full.host, "hooks.example.com");
  EXPECT_EQ(full.port, "8081");
  EXPECT_EQ(full.target, "/v1/offline?key=abc");
  EXPECT_EQ(full.host_header, "hooks.example.com:8081");

  const auto bare = parsed("HTTP://relay");
  EXPECT_EQ(bare.host, "relay");
  EXPECT_EQ(bare.port, "80");
  EXPECT_EQ(bare.target, "/");
  EXPECT_EQ(bare.host_header, "relay");

  const auto query_only = parsed("http://127.0.0.1:9000?x=1");
  EXPECT_EQ(query_only.target, "/?x=1");

  const auto v6 = parsed("http://[::1]:7000/hook");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, "7000");
  EXPECT_EQ(v6.host_header, "[::1]:7000");
  EXPECT_EQ(parsed("http://[::1]/").port, "80");
}

TEST(WebhookUrl, RefusesWhatItCannotSendTo) {
  EXPECT_NE(problem("https://hooks.example.com/x").find("TLS-terminating relay"), std::string::npos);
  EXPECT_NE(problem("ftp://host/").find("http://"), std::string::npos);
  EXPECT_NE(problem("hooks.example.com/x").find("http://"), std::string::npos);
  EXPECT_NE(problem("http://user:secret@host/").find("credentials"), std::string::npos);
  EXPECT_NE(problem("http:///path").find("no host"), std::string::npos);
  EXPECT_NE(problem("http://host:0/").find("port"), std::string::npos);
  EXPECT_NE(problem("http://host:70000/").find("port"), std::string::npos);
  EXPECT_NE(problem("http://host:/").find("port"), std::string::npos);
  EXPECT_NE(problem("http://ho st/").find("spaces"), std::string::npos);
  EXPECT_NE(problem("http://[::1/").find("IPv6"), std::string::npos);
}

}  // namespace
}  // namespace talkline::jobs
