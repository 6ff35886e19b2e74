#include <gtest/gtest.h>

#include <stdexcept>

#include "route_probe.hpp"
#include "transport/http/router.hpp"

namespace talkline::transport::http {
namespace {

using route_probe::answer;
using route_probe::request_for;
using route_probe::winner;

Router site_router() {
  Router router;
  router.add("GET", "/healthz", answer("health"));
  router.add("POST", "/api/v1/things", answer("things"));
  router.add_mount("/", answer("site"), {"/api/", "/socket.io/"});
  router.add_mount("/api/v1/docs/", answer("docs"));
  return router;
}

TEST(RouterMount, RoutesWinOverTheMount) {
  const auto router = site_router();
  EXPECT_EQ(winner(router, request_for("GET", "/healthz")), "health");
  EXPECT_EQ(winner(router, request_for("GET", "/")), "site");
  EXPECT_EQ(winner(router, request_for("HEAD", "/css/app.css")), "site");
}

TEST(RouterMount, ExceptedPrefixesStayUnmatched) {
  const auto router = site_router();
  auto request = request_for("GET", "/api/v1/nothing");
  EXPECT_EQ(router.match(request).outcome, Router::Outcome::not_found);
  EXPECT_EQ(winner(router, request_for("GET", "/socket.io/x")), "<none>");
}

TEST(RouterMount, LongestPrefixWinsEvenInsideAnExceptedOne) {
  const auto router = site_router();
  EXPECT_EQ(winner(router, request_for("GET", "/api/v1/docs/")), "docs");
  EXPECT_EQ(winner(router, request_for("GET", "/api/v1/docs/vendor/a.js")), "docs");
}

TEST(RouterMount, OtherMethodsGetMethodNotAllowed) {
  const auto router = site_router();
  auto request = request_for("POST", "/index.html");
  const auto match = router.match(request);
  EXPECT_EQ(match.outcome, Router::Outcome::method_not_allowed);
  EXPECT_EQ(match.allowed, (std::vector<std::string>{"GET", "HEAD"}));
}

TEST(RouterMount, AMatchingRouteOfAnotherMethodStaysA405ForThatRoute) {
  const auto router = site_router();
  auto request = request_for("GET", "/api/v1/things");
  const auto match = router.match(request);
  EXPECT_EQ(match.outcome, Router::Outcome::method_not_allowed);
  EXPECT_EQ(match.allowed, std::vector<std::string>{"POST"});
}

TEST(RouterMount, RefusesMalformedAndDuplicatePrefixes) {
  Router router;
  EXPECT_THROW(router.add_mount("/docs", answer("x")), std::invalid_argument);
  EXPECT_THROW(router.add_mount("docs/", answer("x")), std::invalid_argument);
  router.add_mount("/docs/", answer("x"));
  EXPECT_THROW(router.add_mount("/docs/", answer("y")), std::invalid_argument);
}

}  // namespace
}  // namespace talkline::transport::http
