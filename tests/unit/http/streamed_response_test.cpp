#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "unit/http/test_client.hpp"
#include "util/log.hpp"

namespace talkline::transport::http {
namespace {

using test::make_request;
using test::RunningServer;
using test::TestClient;
using test::bhttp::field;
using test::bhttp::verb;

constexpr std::size_t kPiece = 100000;

char byte_at(std::uint64_t i) { return static_cast<char>((i * 31 + 7) % 251); }

std::string pattern(std::size_t size) {
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i) bytes[i] = byte_at(i);
  return bytes;
}

// Hands [0, size) of the pattern to the sink in kPiece chunks; stops early after
// `fail_after` bytes (returning `fail_result`), counting what it produced.
BodyProducer producer(std::uint64_t size, std::shared_ptr<std::atomic<std::uint64_t>> produced,
                      std::uint64_t fail_after = ~std::uint64_t{0}, bool fail_result = false) {
  return [=](const BodySink& sink) {
    std::string piece;
    for (std::uint64_t at = 0; at < size; at += kPiece) {
      if (at >= fail_after) return fail_result;
      piece.resize(std::min<std::uint64_t>(kPiece, size - at));
      for (std::size_t i = 0; i < piece.size(); ++i) piece[i] = byte_at(at + i);
      produced->fetch_add(piece.size());
      if (!sink(piece)) return false;
    }
    return true;
  };
}

struct Counters {
  std::shared_ptr<std::atomic<std::uint64_t>> produced = std::make_shared<std::atomic<std::uint64_t>>(0);
  std::shared_ptr<std::atomic<int>> runs = std::make_shared<std::atomic<int>>(0);
};

Router download_router(const Counters& counters) {
  Router router;
  router.add("GET", "/hello", [](Request&) { return Response::json(200, R"({"hello":"world"})"); });
  auto file = [counters](Request& r) {
    auto size = std::stoull(std::string(r.path_param("size")));
    counters.runs->fetch_add(1);
    auto response = Response::streamed(200, size, producer(size, counters.produced));
    response.headers.set("Content-Type", "application/octet-stream");
    response.headers.set("Content-Disposition", "attachment; filename=\"f.bin\"");
    return response;
  };
  router.add("GET", "/files/{size}", file);
  router.add("HEAD", "/files/{size}", file);  // the router does not map HEAD to GET
  router.add("GET", "/broken", [counters](Request&) {
    return Response::streamed(200, 4 << 20, producer(4 << 20, counters.produced, 1 << 20, false));
  });
  router.add("GET", "/short", [counters](Request&) {
    return Response::streamed(200, 4 << 20, producer(4 << 20, counters.produced, 1 << 20, true));
  });
  router.add("GET", "/throws", [](Request&) {
    return Response::streamed(200, 1000, [](const BodySink&) -> bool { throw std::runtime_error("disk on fire"); });
  });
  router.add("GET", "/not-modified", [counters](Request&) {
    counters.runs->fetch_add(1);
    return Response::streamed(304, 10, [counters](const BodySink&) {
      counters.produced->fetch_add(1);
      return true;
    });
  });
  return router;
}

class StreamedResponses : public testing::Test {
 protected:
  static void SetUpTestSuite() { util::log::init(util::log::Level::critical, util::log::Format::json); }
  Counters counters_;
};

TEST_F(StreamedResponses, DownloadCarriesContentLengthAndTheWholeBody) {
  RunningServer server(test::test_options(), download_router(counters_));
  TestClient client(server.port());
  ASSERT_FALSE(client.write(make_request(verb::get, "/files/5000000")));
  test::bhttp::response_parser<test::bhttp::string_body> parser;
  parser.body_limit(std::uint64_t{64} << 20);
  ASSERT_FALSE(client.read(parser));
  auto& response = parser.get();
  EXPECT_EQ(response.result_int(), 200u);
  EXPECT_EQ(response[field::content_length], "5000000");
  EXPECT_FALSE(response.chunked());
  EXPECT_EQ(response[field::content_type], "application/octet-stream");
  EXPECT_EQ(response["X-Content-Type-Options"], "nosniff");
  EXPECT_FALSE(response["X-Request-Id"].empty());
  EXPECT_TRUE(response.body() == pattern(5000000));
  EXPECT_TRUE(response.keep_alive());
  // The connection goes on.
  EXPECT_EQ(client.exchange(make_request(verb::get, "/hello")).result_int(), 200u);
}

TEST_F(StreamedResponses, EmptyStreamedBodyCompletes) {
  RunningServer server(test::test_options(), download_router(counters_));
  TestClient client(server.port());
  auto response = client.exchange(make_request(verb::get, "/files/0"));
  EXPECT_EQ(response.result_int(), 200u);
  EXPECT_EQ(response[field::content_length], "0");
  EXPECT_EQ(client.exchange(make_request(verb::get, "/hello")).result_int(), 200u);
}

TEST_F(StreamedResponses, ProducerWaitsForASlowReader) {
  RunningServer server(test::test_options(), download_router(counters_));
  TestClient client(server.port());
  constexpr std::uint64_t kSize = std::uint64_t{96} << 20;
  ASSERT_FALSE(client.write(make_request(verb::get, "/files/" + std::to_string(kSize))));
  // Nothing is read for a while: the producer stops once the socket buffers and the
  // server's small queue are full, far short of the whole body.
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  auto stalled = counters_.produced->load();
  EXPECT_LT(stalled, kSize / 4);
  test::bhttp::response_parser<test::bhttp::string_body> parser;
  parser.body_limit(kSize);
  ASSERT_FALSE(client.read(parser));
  EXPECT_EQ(parser.get().body().size(), kSize);
  EXPECT_EQ(counters_.produced->load(), kSize);
}

TEST_F(StreamedResponses, ProducerFailingMidwayClosesTheConnection) {
  RunningServer server(test::test_options(), download_router(counters_));
  for (std::string target : {"/broken", "/short", "/throws"}) {
    TestClient client(server.port());
    ASSERT_FALSE(client.write(make_request(verb::get, target)));
    test::bhttp::response_parser<test::bhttp::string_body> parser;
    parser.body_limit(std::uint64_t{64} << 20);
    auto ec = client.read(parser);
    EXPECT_TRUE(parser.is_header_done()) << target;
    EXPECT_EQ(ec, test::bhttp::error::partial_message) << target << ": " << ec.message();
  }
}

TEST_F(StreamedResponses, HeadAnnouncesTheLengthWithoutRunningTheProducer) {
  RunningServer server(test::test_options(), download_router(counters_));
  TestClient client(server.port());
  ASSERT_FALSE(client.write(make_request(verb::head, "/files/12345")));
  test::bhttp::response_parser<test::bhttp::empty_body> parser;
  parser.skip(true);
  ASSERT_FALSE(client.read(parser));
  EXPECT_EQ(parser.get().result_int(), 200u);
  EXPECT_EQ(parser.get()[field::content_length], "12345");
  EXPECT_EQ(counters_.produced->load(), 0u);
  EXPECT_EQ(client.exchange(make_request(verb::get, "/hello")).result_int(), 200u);
}

TEST_F(StreamedResponses, NotModifiedNeverRunsTheProducer) {
  RunningServer server(test::test_options(), download_router(counters_));
  TestClient client(server.port());
  auto response = client.exchange(make_request(verb::get, "/not-modified"));
  EXPECT_EQ(response.result_int(), 304u);
  EXPECT_EQ(counters_.runs->load(), 1);
  EXPECT_EQ(counters_.produced->load(), 0u);
  EXPECT_EQ(client.exchange(make_request(verb::get, "/hello")).result_int(), 200u);
}

TEST_F(StreamedResponses, ClientLeavingMidwayStopsTheProducer) {
  RunningServer server(test::test_options(), download_router(counters_));
  constexpr std::uint64_t kSize = std::uint64_t{96} << 20;
  {
    TestClient client(server.port());
    ASSERT_FALSE(client.write(make_request(verb::get, "/files/" + std::to_string(kSize))));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }  // closed without reading
  // The server keeps serving, and the producer stopped early.
  TestClient other(server.port());
  EXPECT_EQ(other.exchange(make_request(verb::get, "/hello")).result_int(), 200u);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_LT(counters_.produced->load(), kSize / 2);
}

}  // namespace
}  // namespace talkline::transport::http
