// The client address through a real server: what handlers and the per-address limit see
// with and without TALKLINE_TRUSTED_PROXIES.
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <string>

#include "unit/http/test_client.hpp"
#include "util/log.hpp"

namespace talkline::transport::http {
namespace {

using test::make_request;
using test::RunningServer;
using test::TestClient;
using test::bhttp::verb;

Router address_router() {
  Router router;
  router.add("GET", "/whoami", [](Request& r) { return Response::json(200, r.remote_address); });
  return router;
}

// Records the keys it is asked about; allows everything.
class KeyRecorder final : public ratelimit::RateLimiter {
 public:
  ratelimit::Decision acquire(std::string_view key, const ratelimit::Limit&, double) override {
    std::lock_guard lock(mutex_);
    ++keys_[std::string(key)];
    return {};
  }
  ratelimit::Decision peek(std::string_view, const ratelimit::Limit&, double) override { return {}; }
  void refund(std::string_view, const ratelimit::Limit&, double) override {}
  std::map<std::string, int> keys() {
    std::lock_guard lock(mutex_);
    return keys_;
  }

 private:
  std::mutex mutex_;
  std::map<std::string, int> keys_;
};

std::string whoami(TestClient& client, const char* forwarded_for) {
  auto request = make_request(verb::get, "/whoami");
  if (forwarded_for != nullptr) request.set("X-Forwarded-For", forwarded_for);
  return client.exchange(request).body();
}

class ForwardedFor : public testing::Test {
 protected:
  static void SetUpTestSuite() { util::log::init(util::log::Level::critical, util::log::Format::json); }
};

TEST_F(ForwardedFor, IsIgnoredByDefault) {
  RunningServer server(test::test_options(), address_router());
  TestClient client(server.port());
  EXPECT_EQ(whoami(client, "203.0.113.9"), "127.0.0.1");
}

TEST_F(ForwardedFor, NamesTheClientWhenThePeerIsTrusted) {
  auto limiter = std::make_shared<KeyRecorder>();
  auto options = test::test_options();
  options.trusted_proxies = TrustedProxies::parse({"127.0.0.0/8"}).value();
  options.rate_limiter = limiter;
  RunningServer server(options, address_router());
  TestClient client(server.port());
  EXPECT_EQ(whoami(client, "6.6.6.6, 203.0.113.9"), "203.0.113.9");
  EXPECT_EQ(whoami(client, "198.51.100.4"), "198.51.100.4");
  EXPECT_EQ(whoami(client, nullptr), "127.0.0.1");
  // The per-address limit counts each client apart, not the proxy.
  const auto keys = limiter->keys();
  EXPECT_EQ(keys.count("http:ip:203.0.113.9"), 1U);
  EXPECT_EQ(keys.count("http:ip:198.51.100.4"), 1U);
  EXPECT_EQ(keys.count("http:ip:127.0.0.1"), 1U);
}

}  // namespace
}  // namespace talkline::transport::http
