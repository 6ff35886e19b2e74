#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "unit/http/test_client.hpp"
#include "util/log.hpp"

namespace talkline::transport::http {
namespace {

using test::make_request;
using test::RunningServer;
using test::TestClient;
using test::bhttp::verb;

class HttpServerShutdown : public testing::Test {
 protected:
  static void SetUpTestSuite() { util::log::init(util::log::Level::critical, util::log::Format::json); }
};

TEST_F(HttpServerShutdown, StopFinishesInFlightRequestBeforeReturning) {
  std::promise<void> entered;
  std::atomic<bool> handler_finished{false};
  std::atomic<int> shutdown_calls{0};
  std::atomic<bool> finished_before_shutdown_hook{false};

  Router router;
  router.add("GET", "/slow", [&](Request&) {
    entered.set_value();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    handler_finished = true;
    return Response::json(200, R"({"slow":true})");
  });
  auto options = test::test_options();
  options.on_shutdown = [&] {
    ++shutdown_calls;
    finished_before_shutdown_hook = handler_finished.load();
  };

  RunningServer server(options, std::move(router));
  TestClient client(server.port());
  ASSERT_FALSE(client.write(make_request(verb::get, "/slow")));
  ASSERT_EQ(entered.get_future().wait_for(test::kDeadline), std::future_status::ready);

  auto stopped = std::async(std::launch::async, [&] { server.stop(); });
  test::ClientResponse response;
  ASSERT_FALSE(client.read(response));
  EXPECT_EQ(response.result_int(), 200u);
  EXPECT_EQ(response.body(), R"({"slow":true})");
  EXPECT_FALSE(response.keep_alive());  // Connection: close during shutdown
  ASSERT_EQ(stopped.wait_for(test::kDeadline), std::future_status::ready);

  EXPECT_EQ(shutdown_calls.load(), 1);
  EXPECT_TRUE(finished_before_shutdown_hook.load());
}

TEST_F(HttpServerShutdown, IdleKeepAliveConnectionIsClosedAtOnce) {
  Router router;
  router.add("GET", "/hello", [](Request&) { return Response::json(200, "{}"); });
  auto options = test::test_options();
  options.idle_timeout = std::chrono::seconds(60);
  options.shutdown_grace = std::chrono::seconds(60);
  RunningServer server(options, std::move(router));
  TestClient client(server.port());
  ASSERT_EQ(client.exchange(make_request(verb::get, "/hello")).result_int(), 200u);

  auto started = std::chrono::steady_clock::now();
  server.stop();
  // Far below both the idle timeout and the grace period: the idle connection did
  // not hold shutdown up.
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30));
  EXPECT_TRUE(client.closed_by_server());
}

TEST_F(HttpServerShutdown, StopBeforeRunMakesRunReturn) {
  std::atomic<int> shutdown_calls{0};
  auto options = test::test_options();
  options.on_shutdown = [&] { ++shutdown_calls; };
  Server server(options, Router{});
  ASSERT_TRUE(server.listen().ok());
  server.stop();
  auto ran = std::async(std::launch::async, [&] { server.run(); });
  ASSERT_EQ(ran.wait_for(test::kDeadline), std::future_status::ready);
  EXPECT_EQ(shutdown_calls.load(), 1);
}

TEST_F(HttpServerShutdown, StopIsIdempotent) {
  std::atomic<int> shutdown_calls{0};
  auto options = test::test_options();
  options.on_shutdown = [&] { ++shutdown_calls; };
  RunningServer server(options, Router{});
  server.server().stop();
  server.server().stop();
  server.stop();
  EXPECT_EQ(shutdown_calls.load(), 1);
}

}  // namespace
}  // namespace talkline::transport::http
