#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "transport/http/streamed_request.hpp"
#include "transport/http/streamed_route.hpp"
#include "unit/http/test_client.hpp"
#include "util/json.hpp"
#include "util/log.hpp"

namespace talkline::transport::http {
namespace {

namespace net = boost::asio;
using test::ClientResponse;
using test::make_request;
using test::RunningServer;
using test::TestClient;
using test::bhttp::field;
using test::bhttp::verb;

constexpr std::size_t kChunkBytes = std::size_t{64} << 10;
constexpr std::uint64_t kLimit = std::uint64_t{8} << 20;

std::string pattern(std::size_t size) {
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 31 + 7) % 251);
  return bytes;
}

// What the upload handler saw, shared with the test thread.
struct UploadLog {
  std::mutex mutex;
  std::string received;
  std::vector<std::size_t> chunk_sizes;
  std::set<std::thread::id> blocking_threads;
  std::thread::id loop_thread;
  std::string kind;
  int calls = 0;
};

// The upload a streamed route would do: each chunk appended on the worker pool.
StreamedHandler upload_handler(std::shared_ptr<UploadLog> log) {
  return [log](StreamedRequest& up) -> net::awaitable<Response> {
    {
      std::lock_guard lock(log->mutex);
      ++log->calls;
      log->loop_thread = std::this_thread::get_id();
      log->kind = std::string(up.request().path_param("kind"));
    }
    for (;;) {
      auto read = co_await up.read_body();
      if (read.status == BodyStatus::end) break;
      if (read.status != BodyStatus::chunk) co_return Response::json(200, "{}");  // the server replaces it
      std::string piece(read.data);
      auto append = [&log, &piece] {
        std::lock_guard lock(log->mutex);
        log->blocking_threads.insert(std::this_thread::get_id());
        log->chunk_sizes.push_back(piece.size());
        log->received += piece;
        return true;
      };
      co_await up.run_blocking(append);
    }
    co_return Response::json(201, R"({"bytes":)" + std::to_string(up.body_bytes_read()) + "}");
  };
}

Router streamed_router(const std::shared_ptr<UploadLog>& log) {
  Router router;
  router.add("GET", "/hello", [](Request&) { return Response::json(200, R"({"hello":"world"})"); });
  router.add("POST", "/echo", [](Request& r) { return Response::json(200, r.body); });
  router.add("GET", "/uploads/{kind}", [](Request&) { return Response::json(200, R"("plain get")"); });
  StreamedRouteOptions options;
  options.max_body_bytes = kLimit;
  options.chunk_bytes = kChunkBytes;
  router.add_streamed("POST", "/uploads/{kind}", make_streamed_route(options, upload_handler(log)));
  router.add_streamed("PUT", "/guarded", make_streamed_route(options, [](StreamedRequest&) -> net::awaitable<Response> {
                        co_return Response::json(401, R"({"code":"unauthorized"})");
                      }));
  router.add_streamed("POST", "/throws",
                      make_streamed_route(options, [](StreamedRequest& up) -> net::awaitable<Response> {
                        co_await up.read_body();
                        throw std::runtime_error("handler exploded");
                      }));
  return router;
}

std::string problem_code(const ClientResponse& response) {
  return util::Json::parse(response.body()).value("code", "");
}

std::string chunked(const std::string& body, std::size_t piece) {
  std::string out;
  char size_line[32];
  for (std::size_t at = 0; at < body.size(); at += piece) {
    auto n = std::min(piece, body.size() - at);
    std::snprintf(size_line, sizeof size_line, "%zx\r\n", n);
    out += size_line;
    out.append(body, at, n);
    out += "\r\n";
  }
  return out + "0\r\n\r\n";
}

class StreamedRoutes : public testing::Test {
 protected:
  static void SetUpTestSuite() { util::log::init(util::log::Level::critical, util::log::Format::json); }
  std::shared_ptr<UploadLog> log_ = std::make_shared<UploadLog>();
};

TEST_F(StreamedRoutes, UploadArrivesInOrderInBoundedChunksWithBlockingWorkOffTheLoop) {
  RunningServer server(test::test_options(), streamed_router(log_));
  TestClient client(server.port());
  auto body = pattern(std::size_t{6} << 20);
  auto response = client.exchange(make_request(verb::post, "/uploads/photo", body, "application/octet-stream"));
  EXPECT_EQ(response.result_int(), 201u);
  EXPECT_EQ(response.body(), R"({"bytes":6291456})");
  EXPECT_FALSE(response["X-Request-Id"].empty());
  EXPECT_EQ(response["X-Content-Type-Options"], "nosniff");

  std::lock_guard lock(log_->mutex);
  EXPECT_EQ(log_->received, body);
  EXPECT_EQ(log_->kind, "photo");
  EXPECT_GT(log_->chunk_sizes.size(), 90u);
  EXPECT_LE(*std::max_element(log_->chunk_sizes.begin(), log_->chunk_sizes.end()), kChunkBytes);
  EXPECT_FALSE(log_->blocking_threads.contains(log_->loop_thread));
}

TEST_F(StreamedRoutes, ChunkedUploadArrivesWhole) {
  RunningServer server(test::test_options(), streamed_router(log_));
  TestClient client(server.port());
  auto body = pattern(std::size_t{3} << 20);
  ASSERT_FALSE(client.write_raw("POST /uploads/doc HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
                                chunked(body, 1000)));
  ClientResponse response;
  ASSERT_FALSE(client.read(response));
  EXPECT_EQ(response.result_int(), 201u);
  EXPECT_TRUE(response.keep_alive());
  std::lock_guard lock(log_->mutex);
  EXPECT_EQ(log_->received, body);
}

TEST_F(StreamedRoutes, OversizeContentLengthIsRefusedBeforeTheBody) {
  RunningServer server(test::test_options(), streamed_router(log_));
  TestClient client(server.port());
  // Only the header is sent: the answer must not wait for the body.
  ASSERT_FALSE(client.write_raw(
      "POST /uploads/photo HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(kLimit + 1) + "\r\n\r\n"));
  ClientResponse response;
  ASSERT_FALSE(client.read(response));
  EXPECT_EQ(response.result_int(), 413u);
  EXPECT_EQ(response[field::content_type], "application/problem+json");
  EXPECT_EQ(problem_code(response), "payload_too_large");
  EXPECT_FALSE(response.keep_alive());
  std::lock_guard lock(log_->mutex);
  EXPECT_EQ(log_->calls, 0);
}

TEST_F(StreamedRoutes, ExpectContinueWithOversizeLengthGets413InsteadOf100) {
  RunningServer server(test::test_options(), streamed_router(log_));
  TestClient client(server.port());
  ASSERT_FALSE(client.write_raw("POST /uploads/photo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: " +
                                std::to_string(kLimit + 1) + "\r\n\r\n"));
  ClientResponse response;
  ASSERT_FALSE(client.read(response));
  EXPECT_EQ(response.result_int(), 413u);
}

TEST_F(StreamedRoutes, ExpectContinueGets100WhenTheHandlerReads) {
  RunningServer server(test::test_options(), streamed_router(log_));
  TestClient client(server.port());
  auto body = pattern(100000);
  ASSERT_FALSE(client.write_raw("POST /uploads/photo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: " +
                                std::to_string(body.size()) + "\r\n\r\n"));
  ClientResponse interim;
  ASSERT_FALSE(client.read(interim));
  EXPECT_EQ(interim.result_int(), 100u);
  ASSERT_FALSE(client.write_raw(body));
  ClientResponse response;
  ASSERT_FALSE(client.read(response));
  EXPECT_EQ(response.result_int(), 201u);
  std::lock_guard lock(log_->mutex);
  EXPECT_EQ(log_->received, body);
}

TEST_F(StreamedRoutes, HandlerRefusingOnTheHeadAnswersWithout100AndCloses) {
  RunningServer server(test::test_options(), streamed_router(log_));
  TestClient client(server.port());
  ASSERT_FALSE(
      client.write_raw("PUT /guarded HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 1000\r\n\r\n"));
  ClientResponse response;
  ASSERT_FALSE(client.read(response));
  EXPECT_EQ(response.result_int(), 401u);
  EXPECT_FALSE(response.keep_alive());
}

TEST_F(StreamedRoutes, OversizeChunkedBodyIsCutOffWith413AndCloses) {
  RunningServer server(test::test_options(), streamed_router(log_));
  TestClient client(server.port());
  auto body = pattern(kLimit + 200000);
  ASSERT_FALSE(client.write_raw("POST /uploads/photo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
                                chunked(body, 100000)));
  ClientResponse response;
  ASSERT_FALSE(client.read(response));
  EXPECT_EQ(response.result_int(), 413u);
  EXPECT_EQ(problem_code(response), "payload_too_large");
  EXPECT_FALSE(response.keep_alive());
  EXPECT_TRUE(client.closed_by_server());
  std::lock_guard lock(log_->mutex);
  EXPECT_LE(log_->received.size(), kLimit);
}

TEST_F(StreamedRoutes, MalformedChunkedBodyIsBadRequest) {
  RunningServer server(test::test_options(), streamed_router(log_));
  TestClient client(server.port());
  ASSERT_FALSE(client.write_raw(
      "POST /uploads/photo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"));
  ClientResponse response;
  ASSERT_FALSE(client.read(response));
  EXPECT_EQ(response.result_int(), 400u);
  EXPECT_FALSE(response.keep_alive());
}

TEST_F(StreamedRoutes, KeepAliveServesAPlainRequestAfterAStreamedOne) {
  RunningServer server(test::test_options(), streamed_router(log_));
  TestClient client(server.port());
  auto first = client.exchange(make_request(verb::post, "/uploads/a", pattern(200000), "application/octet-stream"));
  EXPECT_EQ(first.result_int(), 201u);
  EXPECT_TRUE(first.keep_alive());
  auto second = client.exchange(make_request(verb::post, "/echo", R"({"a":1})", "application/json"));
  EXPECT_EQ(second.result_int(), 200u);
  EXPECT_EQ(second.body(), R"({"a":1})");
  auto third = client.exchange(make_request(verb::post, "/uploads/b", "", "application/octet-stream"));
  EXPECT_EQ(third.result_int(), 201u);
  EXPECT_EQ(third.body(), R"({"bytes":0})");
  auto fourth = client.exchange(make_request(verb::get, "/hello"));
  EXPECT_EQ(fourth.result_int(), 200u);
}

TEST_F(StreamedRoutes, OtherMethodsOnTheSamePathRouteAsBefore) {
  RunningServer server(test::test_options(), streamed_router(log_));
  TestClient client(server.port());
  EXPECT_EQ(client.exchange(make_request(verb::get, "/uploads/x")).body(), R"("plain get")");
  auto response = client.exchange(make_request(verb::delete_, "/uploads/x"));
  EXPECT_EQ(response.result_int(), 405u);
  EXPECT_EQ(response[field::allow], "GET, POST");
  auto guarded = client.exchange(make_request(verb::get, "/guarded"));
  EXPECT_EQ(guarded.result_int(), 405u);
  EXPECT_EQ(guarded[field::allow], "PUT");
}

TEST_F(StreamedRoutes, PlainRoutesKeepTheServerBodyLimit) {
  auto options = test::test_options();
  options.max_body_bytes = 1024;
  RunningServer server(options, streamed_router(log_));
  TestClient client(server.port());
  auto response = client.exchange(make_request(verb::post, "/echo", std::string(4096, 'x'), "application/json"));
  EXPECT_EQ(response.result_int(), 413u);
  // The streamed route has its own, larger limit.
  TestClient other(server.port());
  auto upload = other.exchange(make_request(verb::post, "/uploads/a", pattern(100000), "application/octet-stream"));
  EXPECT_EQ(upload.result_int(), 201u);
}

TEST_F(StreamedRoutes, HandlerExceptionIsInternalProblem) {
  RunningServer server(test::test_options(), streamed_router(log_));
  TestClient client(server.port());
  auto response = client.exchange(make_request(verb::post, "/throws", "abc", "text/plain"));
  EXPECT_EQ(response.result_int(), 500u);
  EXPECT_EQ(problem_code(response), "internal");
}

TEST_F(StreamedRoutes, CorsPreflightIsAnsweredBeforeTheRoute) {
  RunningServer server(test::test_options(), streamed_router(log_));
  TestClient client(server.port());
  auto request = make_request(verb::options, "/uploads/a");
  request.set(field::origin, "https://app.example");
  request.set(field::access_control_request_method, "POST");
  auto response = client.exchange(request);
  EXPECT_EQ(response.result_int(), 204u);
  std::lock_guard lock(log_->mutex);
  EXPECT_EQ(log_->calls, 0);
}

}  // namespace
}  // namespace talkline::transport::http
