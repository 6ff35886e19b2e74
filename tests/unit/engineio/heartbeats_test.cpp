#include "transport/engineio/server/heartbeats.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace talkline::transport::engineio {
namespace {

using namespace std::chrono_literals;

// Records which armings came due, in order.
class Recorder : public HeartbeatTarget {
 public:
  Recorder(std::string name, std::vector<std::string>& log) : name_(std::move(name)), log_(log) {}
  void heartbeat_due(std::uint64_t arming) override {
    log_.push_back(name_ + ":" + std::to_string(arming));
    if (on_due) on_due(arming);
  }
  std::function<void(std::uint64_t)> on_due;

 private:
  std::string name_;
  std::vector<std::string>& log_;
};

TEST(HeartbeatsTest, DeadlinesComeDueInTimeOrderAcrossSpans) {
  boost::asio::io_context io;
  std::vector<std::string> log;
  auto a = std::make_shared<Recorder>("a", log);
  auto b = std::make_shared<Recorder>("b", log);
  auto& heartbeats = Heartbeats::of(io);
  heartbeats.arm(30ms, a, 1);
  heartbeats.arm(10ms, b, 1);
  heartbeats.arm(20ms, a, 2);
  io.run();
  EXPECT_EQ(log, (std::vector<std::string>{"b:1", "a:2", "a:1"}));
  EXPECT_EQ(heartbeats.pending(), 0U);
}

TEST(HeartbeatsTest, AGoneTargetIsSkipped) {
  boost::asio::io_context io;
  std::vector<std::string> log;
  auto kept = std::make_shared<Recorder>("kept", log);
  auto gone = std::make_shared<Recorder>("gone", log);
  Heartbeats::of(io).arm(5ms, gone, 1);
  Heartbeats::of(io).arm(5ms, kept, 1);
  gone.reset();
  io.run();
  EXPECT_EQ(log, (std::vector<std::string>{"kept:1"}));
}

// A session re-arms from inside its own callback (ping sent: now wait for the pong);
// the new deadline lands on the queue being fired and still comes due.
TEST(HeartbeatsTest, ArmingFromACallbackIsServed) {
  boost::asio::io_context io;
  std::vector<std::string> log;
  auto session = std::make_shared<Recorder>("s", log);
  auto& heartbeats = Heartbeats::of(io);
  session->on_due = [&](std::uint64_t arming) {
    if (arming < 3) heartbeats.arm(5ms, session, arming + 1);
  };
  heartbeats.arm(5ms, session, 1);
  io.run();
  EXPECT_EQ(log, (std::vector<std::string>{"s:1", "s:2", "s:3"}));
}

// Stopping the loop with deadlines pending lets go of every target.
TEST(HeartbeatsTest, DestroyingTheLoopDropsPendingDeadlines) {
  std::vector<std::string> log;
  auto session = std::make_shared<Recorder>("s", log);
  {
    boost::asio::io_context io;
    Heartbeats::of(io).arm(1h, session, 1);
  }
  EXPECT_TRUE(log.empty());
  EXPECT_EQ(session.use_count(), 1);
}

}  // namespace
}  // namespace talkline::transport::engineio
