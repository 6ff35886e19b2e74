// /readyz: 200 "ready" when everything answers, 200 "degraded" when only something the
// node can serve without is down (the bus, shared rate limits), 503 when the store is.
#include <gtest/gtest.h>

#include <atomic>
#include <string>

#include "api/v1/api_context.hpp"
#include "transport/http/router.hpp"
#include "util/json.hpp"

namespace talkline::api::v1 {
namespace {

using transport::http::Request;
using transport::http::Response;
using util::Json;

Response get_readyz(const ApiContext& context) {
  transport::http::Router router;
  register_routes(router, context);
  Request request;
  request.method = "GET";
  request.target = "/readyz";
  request.path = "/readyz";
  auto match = router.match(request);
  EXPECT_NE(match.handler, nullptr);
  return (*match.handler)(request);
}

TEST(Readyz, IsReadyWhenEverythingAnswers) {
  ApiContext context;
  context.readiness = [] { return Result<void>(); };
  context.soft_checks.push_back({"bus", [] { return true; }});
  const auto response = get_readyz(context);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(Json::parse(response.body), (Json{{"status", "ready"}, {"checks", {{"store", "ok"}, {"bus", "ok"}}}}));
}

TEST(Readyz, IsDegradedButStillOkWhenOnlyTheBusIsDown) {
  ApiContext context;
  context.readiness = [] { return Result<void>(); };
  context.soft_checks.push_back({"bus", [] { return false; }});
  context.soft_checks.push_back({"rateLimits", [] { return true; }});
  const auto response = get_readyz(context);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(
      Json::parse(response.body),
      (Json{{"status", "degraded"}, {"checks", {{"store", "ok"}, {"bus", "unreachable"}, {"rateLimits", "ok"}}}}));
}

TEST(Readyz, IsDegradedWhenOnlySharedRateLimitsAreDown) {
  ApiContext context;
  context.readiness = [] { return Result<void>(); };
  context.soft_checks.push_back({"bus", [] { return true; }});
  context.soft_checks.push_back({"rateLimits", [] { return false; }});
  const auto body = Json::parse(get_readyz(context).body);
  EXPECT_EQ(body.at("status"), "degraded");
  EXPECT_EQ(body.at("checks").at("rateLimits"), "unreachable");
}

TEST(Readyz, IsUnavailableWhenTheStoreIsDownWhateverElse) {
  ApiContext context;
  context.readiness = [] { return Result<void>(Error::unavailable("the store does not answer")); };
  context.soft_checks.push_back({"bus", [] { return false; }});
  const auto response = get_readyz(context);
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(response.headers.get("Content-Type").value_or(""), "application/problem+json");
  EXPECT_EQ(Json::parse(response.body).value("code", ""), "unavailable");
}

TEST(Readyz, FollowsTheChecksAsTheyChange) {
  ApiContext context;
  std::atomic<bool> bus_up{false};
  context.readiness = [] { return Result<void>(); };
  context.soft_checks.push_back({"bus", [&] { return bus_up.load(); }});
  transport::http::Router router;
  register_routes(router, context);
  auto ask = [&] {
    Request request;
    request.method = "GET";
    request.path = "/readyz";
    return Json::parse((*router.match(request).handler)(request).body).at("status").get<std::string>();
  };
  EXPECT_EQ(ask(), "degraded");
  bus_up = true;
  EXPECT_EQ(ask(), "ready");
}

}  // namespace
}  // namespace talkline::api::v1
