#include <gtest/gtest.h>

#include <stdexcept>

#include "transport/http/cors_policy.hpp"
#include "transport/http/pipeline.hpp"
#include "util/json.hpp"

namespace talkline::transport::http {
namespace {

Request make_request(std::string method, std::string path) {
  Request request;
  request.method = std::move(method);
  request.path = std::move(path);
  request.remote_address = "10.0.0.1";
  request.request_id = "rid";
  return request;
}

std::string problem_code(const Response& response) { return util::Json::parse(response.body).value("code", ""); }

Router sample_router() {
  Router router;
  router.add("POST", "/items", [](Request& r) { return Response::json(201, r.body); });
  router.add("GET", "/fail", [](Request&) -> Response { throw std::runtime_error("boom"); });
  router.add("GET", "/fail-oddly", [](Request&) -> Response { throw 42; });
  return router;
}

TEST(CorsPolicy, AllowsListedOriginsOrAnyWithStar) {
  CorsPolicy listed({"https://a.example"});
  EXPECT_TRUE(listed.allows("https://a.example"));
  EXPECT_FALSE(listed.allows("https://b.example"));
  EXPECT_FALSE(listed.allows(""));

  CorsPolicy any({"*"});
  EXPECT_TRUE(any.allows("https://b.example"));
}

TEST(CorsPolicy, DecoratesOnlyAllowedOrigins) {
  CorsPolicy policy({"https://a.example"});
  auto request = make_request("GET", "/x");
  request.headers.add("Origin", "https://a.example");
  Response allowed;
  policy.decorate(request, allowed);
  EXPECT_EQ(allowed.headers.get("Access-Control-Allow-Origin"), "https://a.example");
  EXPECT_EQ(allowed.headers.get("Vary"), "Origin");
  EXPECT_EQ(allowed.headers.get("Access-Control-Expose-Headers"), "X-Request-Id, Retry-After");

  request.headers.set("Origin", "https://evil.example");
  Response refused;
  policy.decorate(request, refused);
  EXPECT_FALSE(refused.headers.has("Access-Control-Allow-Origin"));
}

TEST(Pipeline, RefusesNonJsonBodiesAfterRouting) {
  Pipeline pipeline(ServerOptions{}, sample_router());
  auto request = make_request("POST", "/items");
  request.body = "hello";
  request.headers.add("Content-Type", "text/plain");
  auto response = pipeline.handle(request);
  EXPECT_EQ(response.status, 415);
  EXPECT_EQ(problem_code(response), "unsupported_media_type");

  auto missing_type = make_request("POST", "/items");
  missing_type.body = "{}";
  EXPECT_EQ(pipeline.handle(missing_type).status, 415);

  auto unknown = make_request("POST", "/nowhere");
  unknown.body = "hello";
  EXPECT_EQ(pipeline.handle(unknown).status, 404);

  auto empty_body = make_request("POST", "/items");
  EXPECT_EQ(pipeline.handle(empty_body).status, 201);
}

TEST(Pipeline, TurnsHandlerExceptionsInto500) {
  Pipeline pipeline(ServerOptions{}, sample_router());
  for (const char* path : {"/fail", "/fail-oddly"}) {
    auto request = make_request("GET", path);
    auto response = pipeline.handle(request);
    EXPECT_EQ(response.status, 500) << path;
    EXPECT_EQ(problem_code(response), "internal") << path;
  }
}

TEST(Pipeline, DecoratesWithSecurityHeadersAndHstsOnlyBehindTls) {
  auto request = make_request("GET", "/x");
  Response plain;
  Pipeline(ServerOptions{}, Router{}).decorate(request, plain);
  EXPECT_EQ(plain.headers.get("Server"), "talkline");
  EXPECT_EQ(plain.headers.get("X-Request-Id"), "rid");
  EXPECT_EQ(plain.headers.get("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(plain.headers.get("X-Frame-Options"), "DENY");
  EXPECT_EQ(plain.headers.get("Referrer-Policy"), "no-referrer");
  EXPECT_FALSE(plain.headers.has("Strict-Transport-Security"));

  ServerOptions tls;
  tls.behind_tls = true;
  tls.hsts_max_age_seconds = 600;
  Response secure;
  Pipeline(tls, Router{}).decorate(request, secure);
  EXPECT_EQ(secure.headers.get("Strict-Transport-Security"), "max-age=600; includeSubDomains");
}

}  // namespace
}  // namespace talkline::transport::http
