#include <gtest/gtest.h>

#include "transport/http/problem.hpp"
#include "util/json.hpp"

namespace talkline::transport::http {
namespace {

TEST(ProblemResponse, HasRfc9457ShapeAndMediaType) {
  auto response = problem_response(404, "not_found", "Not Found", "no such conversation");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.headers.get("Content-Type"), "application/problem+json");

  auto body = util::Json::parse(response.body);
  EXPECT_EQ(body["type"], "https://talkline.dev/problems/not_found");
  EXPECT_EQ(body["title"], "Not Found");
  EXPECT_EQ(body["status"], 404);
  EXPECT_EQ(body["code"], "not_found");
  EXPECT_EQ(body["detail"], "no such conversation");
  EXPECT_FALSE(body.contains("errors"));
}

TEST(ProblemResponse, ListsFieldErrorsInOrder) {
  auto response = problem_response(400, "invalid_argument", "Bad Request", "request validation failed",
                                   {{"username", "too short"}, {"password", "required"}});
  auto body = util::Json::parse(response.body);
  ASSERT_TRUE(body["errors"].is_array());
  ASSERT_EQ(body["errors"].size(), 2u);
  EXPECT_EQ(body["errors"][0]["field"], "username");
  EXPECT_EQ(body["errors"][0]["message"], "too short");
  EXPECT_EQ(body["errors"][1]["field"], "password");
}

TEST(ProblemResponse, SurvivesInvalidUtf8InDetail) {
  auto response = problem_response(400, "bad_request", "Bad Request", "bad \xff\xfe bytes");
  auto body = util::Json::parse(response.body);
  EXPECT_EQ(body["status"], 400);
}

TEST(StatusTitle, NamesCommonStatuses) {
  EXPECT_EQ(status_title(413), "Content Too Large");
  EXPECT_EQ(status_title(429), "Too Many Requests");
  EXPECT_EQ(status_title(299), "Error");
}

}  // namespace
}  // namespace talkline::transport::http
