#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>

#include "route_probe.hpp"
#include "transport/http/router.hpp"
#include "transport/http/streamed_route.hpp"

namespace talkline::transport::http {
namespace {

using route_probe::answer;
using route_probe::request_for;
using route_probe::winner;

TEST(Router, MatchesLiteralRoute) {
  Router router;
  router.add("GET", "/healthz", answer("health"));
  EXPECT_EQ(winner(router, request_for("GET", "/healthz")), "health");
}

TEST(Router, RootPatternMatchesOnlyRoot) {
  Router router;
  router.add("GET", "/", answer("root"));
  EXPECT_EQ(winner(router, request_for("GET", "/")), "root");
  EXPECT_EQ(winner(router, request_for("GET", "/x")), "<none>");
}

TEST(Router, ParameterSegmentsFillPathParams) {
  Router router;
  router.add("GET", "/conversations/{id}/members/{userId}", answer("member"));
  auto request = request_for("GET", "/conversations/42/members/7");
  auto match = router.match(request);
  ASSERT_EQ(match.outcome, Router::Outcome::matched);
  EXPECT_EQ(request.path_param("id"), "42");
  EXPECT_EQ(request.path_param("userId"), "7");
  EXPECT_EQ(request.path_param("absent"), "");
}

TEST(Router, ParameterDoesNotMatchEmptySegment) {
  Router router;
  router.add("GET", "/users/{id}", answer("user"));
  EXPECT_EQ(winner(router, request_for("GET", "/users/")), "<none>");
}

TEST(Router, LiteralSegmentBeatsParameterWhateverTheOrder) {
  Router params_first;
  params_first.add("GET", "/users/{id}", answer("by-id"));
  params_first.add("GET", "/users/me", answer("me"));
  EXPECT_EQ(winner(params_first, request_for("GET", "/users/me")), "me");
  EXPECT_EQ(winner(params_first, request_for("GET", "/users/12")), "by-id");

  Router literal_first;
  literal_first.add("GET", "/users/me", answer("me"));
  literal_first.add("GET", "/users/{id}", answer("by-id"));
  EXPECT_EQ(winner(literal_first, request_for("GET", "/users/me")), "me");
}

TEST(Router, EarlierLiteralPositionDecidesPriority) {
  Router router;
  router.add("GET", "/{a}/b", answer("param-then-literal"));
  router.add("GET", "/a/{b}", answer("literal-then-param"));
  EXPECT_EQ(winner(router, request_for("GET", "/a/b")), "literal-then-param");
}

TEST(Router, TrailingSlashIsNotIgnored) {
  Router router;
  router.add("GET", "/a", answer("a"));
  EXPECT_EQ(winner(router, request_for("GET", "/a/")), "<none>");
  router.add("GET", "/a/", answer("a-slash"));
  EXPECT_EQ(winner(router, request_for("GET", "/a/")), "a-slash");
  EXPECT_EQ(winner(router, request_for("GET", "/a")), "a");
}

TEST(Router, UnknownPathIsNotFound) {
  Router router;
  router.add("GET", "/a", answer("a"));
  auto request = request_for("GET", "/b");
  EXPECT_EQ(router.match(request).outcome, Router::Outcome::not_found);
}

TEST(Router, WrongMethodListsAllowedMethodsOnce) {
  Router router;
  router.add("GET", "/items/{id}", answer("get"));
  router.add("PATCH", "/items/{id}", answer("patch"));
  router.add("DELETE", "/items/{id}", answer("delete"));
  router.add("GET", "/items/special", answer("special"));
  auto request = request_for("POST", "/items/special");
  auto match = router.match(request);
  EXPECT_EQ(match.outcome, Router::Outcome::method_not_allowed);
  EXPECT_THAT(match.allowed, testing::ElementsAre("GET", "PATCH", "DELETE"));
}

TEST(Router, ParameterRouteServesMethodTheLiteralRouteLacks) {
  Router router;
  router.add("GET", "/users/me", answer("me"));
  router.add("DELETE", "/users/{id}", answer("delete"));
  EXPECT_EQ(winner(router, request_for("DELETE", "/users/me")), "delete");
}

TEST(Router, HeadIsNotAddedAutomatically) {
  Router router;
  router.add("GET", "/a", answer("a"));
  auto request = request_for("HEAD", "/a");
  auto match = router.match(request);
  EXPECT_EQ(match.outcome, Router::Outcome::method_not_allowed);
  EXPECT_THAT(match.allowed, testing::ElementsAre("GET"));
}

TEST(Router, RoutesListsRegistrationOrder) {
  Router router;
  router.add("GET", "/b", answer("b"));
  router.add("POST", "/a", answer("a"));
  auto routes = router.routes();
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0].method, "GET");
  EXPECT_EQ(routes[0].pattern, "/b");
  EXPECT_EQ(routes[1].method, "POST");
  EXPECT_EQ(routes[1].pattern, "/a");
}

TEST(Router, RejectsMalformedAndDuplicateRoutes) {
  Router router;
  EXPECT_THROW(router.add("GET", "no-slash", answer("x")), std::invalid_argument);
  EXPECT_THROW(router.add("GET", "/a/{unclosed", answer("x")), std::invalid_argument);
  EXPECT_THROW(router.add("GET", "/a/{}", answer("x")), std::invalid_argument);
  router.add("GET", "/a/{id}", answer("x"));
  EXPECT_THROW(router.add("GET", "/a/{other}", answer("y")), std::invalid_argument);
}

}  // namespace
}  // namespace talkline::transport::http

namespace talkline::transport::http {
namespace {

TEST(Router, StreamedRouteMatchesWithItsParamsAndNoPlainHandler) {
  Router router;
  router.add("GET", "/uploads/{id}", [](Request&) { return Response::empty(200); });
  auto route = std::make_shared<const StreamedRoute>();
  router.add_streamed("POST", "/uploads/{id}", route);
  EXPECT_TRUE(router.has_streamed());

  Request request;
  request.method = "POST";
  request.path = "/uploads/7";
  auto match = router.match(request);
  EXPECT_EQ(match.outcome, Router::Outcome::matched);
  EXPECT_EQ(match.streamed, route.get());
  EXPECT_EQ(match.handler, nullptr);
  EXPECT_EQ(request.path_param("id"), "7");

  request.method = "PUT";
  auto refused = router.match(request);
  EXPECT_EQ(refused.outcome, Router::Outcome::method_not_allowed);
  EXPECT_EQ(refused.allowed, (std::vector<std::string>{"GET", "POST"}));

  auto routes = router.routes();
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_FALSE(routes[0].streamed);
  EXPECT_TRUE(routes[1].streamed);
  EXPECT_THROW(router.add_streamed("POST", "/uploads/{x}", route), std::invalid_argument);
  EXPECT_THROW(router.add_streamed("POST", "/other", nullptr), std::invalid_argument);
}

}  // namespace
}  // namespace talkline::transport::http
