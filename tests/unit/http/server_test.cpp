#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <stdexcept>
#include <string>

#include "transport/http/stream_handler.hpp"
#include "unit/http/test_client.hpp"
#include "util/json.hpp"
#include "util/log.hpp"

namespace talkline::transport::http {
namespace {

using test::ClientResponse;
using test::make_request;
using test::RunningServer;
using test::TestClient;
using test::bhttp::field;
using test::bhttp::verb;

Router sample_router() {
  Router router;
  router.add("GET", "/hello", [](Request&) { return Response::json(200, R"({"hello":"world"})"); });
  router.add("POST", "/echo", [](Request& r) { return Response::json(200, r.body); });
  router.add("GET", "/users/{id}", [](Request& r) { return Response::json(200, std::string(r.path_param("id"))); });
  router.add("DELETE", "/users/{id}", [](Request&) { return Response::empty(204); });
  router.add("GET", "/request-id", [](Request& r) { return Response::json(200, r.request_id); });
  router.add("GET", "/query",
             [](Request& r) { return Response::json(200, std::string(r.query_param("q").value_or("<none>"))); });
  router.add("GET", "/boom", [](Request&) -> Response { throw std::runtime_error("handler exploded"); });
  return router;
}

std::string problem_code(const ClientResponse& response) {
  return util::Json::parse(response.body()).value("code", "");
}

class HttpServer : public testing::Test {
 protected:
  static void SetUpTestSuite() { util::log::init(util::log::Level::critical, util::log::Format::json); }
};

TEST_F(HttpServer, ServesJsonRoute) {
  RunningServer server(test::test_options(), sample_router());
  TestClient client(server.port());
  auto response = client.exchange(make_request(verb::get, "/hello"));
  EXPECT_EQ(response.result_int(), 200u);
  EXPECT_EQ(response[field::content_type], "application/json");
  EXPECT_EQ(response.body(), R"({"hello":"world"})");
  EXPECT_EQ(response[field::server], "talkline");
}

TEST_F(HttpServer, DecodesPathAndQuery) {
  RunningServer server(test::test_options(), sample_router());
  TestClient client(server.port());
  EXPECT_EQ(client.exchange(make_request(verb::get, "/users/a%20b")).body(), "a b");
  EXPECT_EQ(client.exchange(make_request(verb::get, "/query?q=x+y%21")).body(), "x y!");
}

TEST_F(HttpServer, KeepsConnectionAliveAcrossRequests) {
  RunningServer server(test::test_options(), sample_router());
  TestClient client(server.port());
  auto first = client.exchange(make_request(verb::get, "/hello"));
  EXPECT_TRUE(first.keep_alive());
  auto second = client.exchange(make_request(verb::get, "/users/7"));
  EXPECT_EQ(second.result_int(), 200u);
  EXPECT_EQ(second.body(), "7");
}

TEST_F(HttpServer, UnknownRouteIsNotFoundProblem) {
  RunningServer server(test::test_options(), sample_router());
  TestClient client(server.port());
  auto response = client.exchange(make_request(verb::get, "/nowhere"));
  EXPECT_EQ(response.result_int(), 404u);
  EXPECT_EQ(response[field::content_type], "application/problem+json");
  EXPECT_EQ(problem_code(response), "not_found");
}

TEST_F(HttpServer, WrongMethodIsMethodNotAllowedWithAllow) {
  RunningServer server(test::test_options(), sample_router());
  TestClient client(server.port());
  auto response = client.exchange(make_request(verb::put, "/users/3", "{}", "application/json"));
  EXPECT_EQ(response.result_int(), 405u);
  EXPECT_EQ(response[field::allow], "GET, DELETE");
  EXPECT_EQ(problem_code(response), "method_not_allowed");
}

TEST_F(HttpServer, OversizedBodyIsPayloadTooLargeAndCloses) {
  auto options = test::test_options();
  options.max_body_bytes = 1024;
  RunningServer server(options, sample_router());
  TestClient client(server.port());
  auto response = client.exchange(make_request(verb::post, "/echo", std::string(64 * 1024, 'x'), "application/json"));
  EXPECT_EQ(response.result_int(), 413u);
  EXPECT_EQ(problem_code(response), "payload_too_large");
  EXPECT_FALSE(response.keep_alive());
}

TEST_F(HttpServer, OversizedChunkedBodyIsPayloadTooLarge) {
  auto options = test::test_options();
  options.max_body_bytes = 16;
  RunningServer server(options, sample_router());
  TestClient client(server.port());
  ASSERT_FALSE(client.write_raw(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
      "20\r\n\"0123456789012345678901234567890\r\n0\r\n\r\n"));
  ClientResponse response;
  ASSERT_FALSE(client.read(response));
  EXPECT_EQ(response.result_int(), 413u);
}

TEST_F(HttpServer, BodyWithinLimitIsServed) {
  auto options = test::test_options();
  options.max_body_bytes = 1024;
  RunningServer server(options, sample_router());
  TestClient client(server.port());
  auto response = client.exchange(make_request(verb::post, "/echo", R"({"a":1})", "application/json"));
  EXPECT_EQ(response.result_int(), 200u);
  EXPECT_EQ(response.body(), R"({"a":1})");
}

TEST_F(HttpServer, NonJsonBodyIsUnsupportedMediaType) {
  RunningServer server(test::test_options(), sample_router());
  TestClient client(server.port());
  auto refused = client.exchange(make_request(verb::post, "/echo", "hello", "text/plain"));
  EXPECT_EQ(refused.result_int(), 415u);
  EXPECT_EQ(problem_code(refused), "unsupported_media_type");

  auto charset = client.exchange(make_request(verb::post, "/echo", "{}", "application/json; charset=utf-8"));
  EXPECT_EQ(charset.result_int(), 200u);
  auto suffix = client.exchange(make_request(verb::post, "/echo", "{}", "application/merge-patch+json"));
  EXPECT_EQ(suffix.result_int(), 200u);
}

TEST_F(HttpServer, PreflightFromAllowedOriginIsNoContentWithCorsHeaders) {
  auto options = test::test_options();
  options.cors_origins = {"https://app.example"};
  RunningServer server(options, sample_router());
  TestClient client(server.port());
  auto request = make_request(verb::options, "/echo");
  request.set(field::origin, "https://app.example");
  request.set(field::access_control_request_method, "POST");
  auto response = client.exchange(request);
  EXPECT_EQ(response.result_int(), 204u);
  EXPECT_EQ(response[field::access_control_allow_origin], "https://app.example");
  EXPECT_EQ(response[field::vary], "Origin");
  EXPECT_EQ(response[field::access_control_allow_methods], "GET, POST, PATCH, PUT, DELETE, OPTIONS");
  EXPECT_EQ(response[field::access_control_allow_headers], "Authorization, Content-Type, X-Request-Id");
  EXPECT_EQ(response[field::access_control_max_age], "600");
}

TEST_F(HttpServer, PreflightFromOtherOriginIsForbiddenWithoutCorsHeaders) {
  auto options = test::test_options();
  options.cors_origins = {"https://app.example"};
  RunningServer server(options, sample_router());
  TestClient client(server.port());
  auto request = make_request(verb::options, "/echo");
  request.set(field::origin, "https://evil.example");
  request.set(field::access_control_request_method, "POST");
  auto response = client.exchange(request);
  EXPECT_EQ(response.result_int(), 403u);
  EXPECT_EQ(problem_code(response), "forbidden");
  EXPECT_EQ(response.count(field::access_control_allow_origin), 0u);
  EXPECT_EQ(response.count(field::access_control_allow_methods), 0u);
}

TEST_F(HttpServer, AllowedOriginGetsCorsHeadersOnOrdinaryRequests) {
  RunningServer server(test::test_options(), sample_router());  // cors_origins = {"*"}
  TestClient client(server.port());
  auto request = make_request(verb::get, "/hello");
  request.set(field::origin, "http://localhost:3000");
  auto response = client.exchange(request);
  EXPECT_EQ(response[field::access_control_allow_origin], "http://localhost:3000");
  EXPECT_EQ(response[field::access_control_expose_headers], "X-Request-Id, Retry-After");
  auto without_origin = client.exchange(make_request(verb::get, "/hello"));
  EXPECT_EQ(without_origin.count(field::access_control_allow_origin), 0u);
}

TEST_F(HttpServer, EveryResponseCarriesSecurityHeaders) {
  RunningServer server(test::test_options(), sample_router());
  TestClient client(server.port());
  for (const char* target : {"/hello", "/nowhere"}) {
    auto response = client.exchange(make_request(verb::get, target));
    EXPECT_EQ(response["X-Content-Type-Options"], "nosniff") << target;
    EXPECT_EQ(response["X-Frame-Options"], "DENY") << target;
    EXPECT_EQ(response["Referrer-Policy"], "no-referrer") << target;
    EXPECT_EQ(response.count("Strict-Transport-Security"), 0u) << target;
  }
}

TEST_F(HttpServer, HstsOnlyBehindTls) {
  auto options = test::test_options();
  options.behind_tls = true;
  RunningServer server(options, sample_router());
  TestClient client(server.port());
  auto response = client.exchange(make_request(verb::get, "/hello"));
  EXPECT_EQ(response["Strict-Transport-Security"], "max-age=31536000; includeSubDomains");
}

TEST_F(HttpServer, ValidRequestIdIsEchoed) {
  RunningServer server(test::test_options(), sample_router());
  TestClient client(server.port());
  auto request = make_request(verb::get, "/request-id");
  request.set("X-Request-Id", "client-id_1.2");
  auto response = client.exchange(request);
  EXPECT_EQ(response["X-Request-Id"], "client-id_1.2");
  EXPECT_EQ(response.body(), "client-id_1.2");
}

TEST_F(HttpServer, MissingOrInvalidRequestIdIsReplaced) {
  RunningServer server(test::test_options(), sample_router());
  TestClient client(server.port());
  auto generated = client.exchange(make_request(verb::get, "/request-id"));
  EXPECT_FALSE(generated["X-Request-Id"].empty());
  EXPECT_EQ(generated.body(), std::string(generated["X-Request-Id"]));

  auto invalid = make_request(verb::get, "/request-id");
  invalid.set("X-Request-Id", std::string(129, 'a'));
  auto replaced = client.exchange(invalid);
  EXPECT_NE(replaced["X-Request-Id"], std::string(129, 'a'));
  EXPECT_FALSE(replaced["X-Request-Id"].empty());
  EXPECT_NE(replaced["X-Request-Id"], generated["X-Request-Id"]);
}

TEST_F(HttpServer, HandlerExceptionIsInternalProblemAndServerCarriesOn) {
  RunningServer server(test::test_options(), sample_router());
  TestClient client(server.port());
  auto response = client.exchange(make_request(verb::get, "/boom"));
  EXPECT_EQ(response.result_int(), 500u);
  EXPECT_EQ(problem_code(response), "internal");
  EXPECT_EQ(response.body().find("exploded"), std::string::npos);  // no internals leak
  EXPECT_EQ(client.exchange(make_request(verb::get, "/hello")).result_int(), 200u);
}

// Grants `limit.capacity` requests per key, then refuses with a fixed retry hint.
class CountingLimiter final : public ratelimit::RateLimiter {
 public:
  ratelimit::Decision acquire(std::string_view key, const ratelimit::Limit& limit, double cost) override {
    std::lock_guard lock(mutex_);
    auto& used = used_[std::string(key)];
    if (used + cost > limit.capacity) return {false, 7};
    used += cost;
    return {true, 0};
  }
  ratelimit::Decision peek(std::string_view, const ratelimit::Limit&, double) override { return {}; }
  void refund(std::string_view, const ratelimit::Limit&, double) override {}
  std::map<std::string, double> used() {
    std::lock_guard lock(mutex_);
    return used_;
  }

 private:
  std::mutex mutex_;
  std::map<std::string, double> used_;
};

TEST_F(HttpServer, PerIpLimitAnswersTooManyRequests) {
  auto limiter = std::make_shared<CountingLimiter>();
  auto options = test::test_options();
  options.rate_limiter = limiter;
  options.per_ip_limit = {2, 0.001};
  RunningServer server(options, sample_router());
  TestClient client(server.port());
  EXPECT_EQ(client.exchange(make_request(verb::get, "/hello")).result_int(), 200u);
  EXPECT_EQ(client.exchange(make_request(verb::get, "/hello")).result_int(), 200u);
  auto refused = client.exchange(make_request(verb::get, "/hello"));
  EXPECT_EQ(refused.result_int(), 429u);
  EXPECT_EQ(refused[field::retry_after], "7");
  EXPECT_EQ(problem_code(refused), "rate_limited");
  EXPECT_EQ(limiter->used().count("http:ip:127.0.0.1"), 1u);
}

TEST_F(HttpServer, SilentConnectionIsClosedAfterHeaderTimeout) {
  auto options = test::test_options();
  options.header_timeout = std::chrono::seconds(1);
  RunningServer server(options, sample_router());
  TestClient client(server.port());
  EXPECT_TRUE(client.closed_by_server());
}

TEST_F(HttpServer, IdleKeepAliveConnectionIsClosedAfterIdleTimeout) {
  auto options = test::test_options();
  options.idle_timeout = std::chrono::seconds(1);
  RunningServer server(options, sample_router());
  TestClient client(server.port());
  EXPECT_EQ(client.exchange(make_request(verb::get, "/hello")).result_int(), 200u);
  EXPECT_TRUE(client.closed_by_server());
}

TEST_F(HttpServer, MalformedRequestIsBadRequestAndCloses) {
  RunningServer server(test::test_options(), sample_router());
  TestClient client(server.port());
  ASSERT_FALSE(client.write_raw("this is not http\r\n\r\n"));
  ClientResponse response;
  ASSERT_FALSE(client.read(response));
  EXPECT_EQ(response.result_int(), 400u);
  EXPECT_EQ(problem_code(response), "bad_request");
  EXPECT_FALSE(response.keep_alive());
  EXPECT_TRUE(client.closed_by_server());
}

TEST_F(HttpServer, MalformedEscapeInTargetIsBadRequest) {
  RunningServer server(test::test_options(), sample_router());
  TestClient client(server.port());
  auto response = client.exchange(make_request(verb::get, "/users/%zz"));
  EXPECT_EQ(response.result_int(), 400u);
  EXPECT_EQ(problem_code(response), "bad_request");
}

TEST_F(HttpServer, ConnectionsOverTheLimitAreClosed) {
  auto options = test::test_options();
  options.max_connections = 1;
  RunningServer server(options, sample_router());
  TestClient first(server.port());
  EXPECT_EQ(first.exchange(make_request(verb::get, "/hello")).result_int(), 200u);
  TestClient second(server.port());
  EXPECT_TRUE(second.closed_by_server());
  EXPECT_EQ(first.exchange(make_request(verb::get, "/hello")).result_int(), 200u);
}

TEST_F(HttpServer, ListenFailureNamesHostAndPort) {
  RunningServer first(test::test_options(), sample_router());
  auto options = test::test_options();
  options.port = first.port();
  Server second(options, sample_router());
  auto result = second.listen();
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("127.0.0.1:" + std::to_string(first.port())), std::string::npos)
      << result.error().message;
}

// Answers every request under its prefix itself, keeping the connection open.
class EchoPathStreamHandler final : public StreamHandler {
 public:
  boost::asio::awaitable<StreamOutcome> handle(StreamContext& context) override {
    auto response = Response::json(200, "stream:" + context.request().path);
    auto ec = co_await context.write_response(std::move(response), true);
    co_return ec ? StreamOutcome::close : StreamOutcome::keep_alive;
  }
};

TEST_F(HttpServer, StreamHandlerGetsPrefixedPathsBeforeRouting) {
  RunningServer server(test::test_options(), sample_router(),
                       [](Server& s) { s.add_stream_handler("/stream/", std::make_shared<EchoPathStreamHandler>()); });
  TestClient client(server.port());
  // A text/plain body would be refused with 415 on an ordinary route.
  auto streamed = client.exchange(make_request(verb::post, "/stream/x?y=1", "hi", "text/plain"));
  EXPECT_EQ(streamed.result_int(), 200u);
  EXPECT_EQ(streamed.body(), "stream:/stream/x");
  EXPECT_EQ(streamed["X-Content-Type-Options"], "nosniff");
  EXPECT_FALSE(streamed["X-Request-Id"].empty());

  // The same connection goes on serving ordinary routes.
  EXPECT_EQ(client.exchange(make_request(verb::get, "/hello")).result_int(), 200u);
}

// Takes the connection over and speaks its own protocol on it.
class TakeOverStreamHandler final : public StreamHandler {
 public:
  boost::asio::awaitable<StreamOutcome> handle(StreamContext& context) override {
    auto stream = context.take_stream();
    stream.expires_after(test::kDeadline);
    co_await boost::asio::async_write(stream, boost::asio::buffer(std::string_view("taken\n")),
                                      boost::asio::use_awaitable);
    stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send);
    co_return StreamOutcome::keep_alive;  // ignored: the session no longer owns the stream
  }
};

TEST_F(HttpServer, StreamHandlerCanTakeTheConnection) {
  RunningServer server(test::test_options(), sample_router(),
                       [](Server& s) { s.add_stream_handler("/raw/", std::make_shared<TakeOverStreamHandler>()); });
  TestClient client(server.port());
  ASSERT_FALSE(client.write(make_request(verb::get, "/raw/upgrade")));
  EXPECT_EQ(client.read_until_closed(), "taken\n");
}

TEST_F(HttpServer, HeadResponseHasNoBody) {
  Router router;
  router.add("HEAD", "/doc", [](Request&) { return Response::json(200, R"({"size":"big"})"); });
  RunningServer server(test::test_options(), std::move(router));
  TestClient client(server.port());
  ASSERT_FALSE(client.write(make_request(verb::head, "/doc")));
  test::bhttp::response_parser<test::bhttp::empty_body> parser;
  parser.skip(true);  // a HEAD answer announces a length it does not send
  ASSERT_FALSE(client.read(parser));
  EXPECT_EQ(parser.get().result_int(), 200u);
  EXPECT_EQ(parser.get()[field::content_length], "14");
  // Nothing was sent past the header: the next answer parses cleanly.
  EXPECT_EQ(client.exchange(make_request(verb::get, "/nowhere")).result_int(), 404u);
}

}  // namespace
}  // namespace talkline::transport::http
