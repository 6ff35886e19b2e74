// redis::Link and redis::Client against a throwaway redis-server this binary starts
// itself (tests/support/redis_server.hpp): connecting, health, backoff, losing Redis and
// getting it back, background links, stop(), and the report by role.
//
// No case asserts how long something took: waits are bounded by generous timeouts only
// so that a broken link fails the case instead of hanging it, and the backoff is checked
// through next_attempt(), bracketed by the clock readings around the attempt.
#include "redis/link.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "redis/client.hpp"
#include "redis/connection.hpp"
#include "support/redis_server.hpp"
#include "support/server_process.hpp"

namespace talkline::redis {
namespace {

using namespace std::chrono_literals;
using talkline::testing::RedisServer;
using Clock = Link::Clock;

// Long enough that a case never reaches it unless the link is broken.
constexpr auto kBound = 20s;
// A backoff no case waits out: what happens before the next attempt is deterministic.
constexpr auto kForever = std::chrono::milliseconds(std::chrono::hours(1));

// LinkSettings a field at a time (designated initializers that leave fields out draw
// -Wmissing-field-initializers).
class Settings {
 public:
  explicit Settings(std::string role) { settings_.role = std::move(role); }
  Settings& on_connect(std::function<bool(Connection&)> hook) {
    settings_.on_connect = std::move(hook);
    return *this;
  }
  Settings& on_change(std::function<void(bool)> hook) {
    settings_.on_change = std::move(hook);
    return *this;
  }
  Settings& background() {
    settings_.background = true;
    return *this;
  }
  Settings& io_timeout(std::chrono::milliseconds timeout) {
    settings_.io_timeout = timeout;
    return *this;
  }
  operator LinkSettings() const { return settings_; }  // NOLINT(google-explicit-constructor)

 private:
  LinkSettings settings_;
};

// What on_change was told, in order; the hook may run on a background link's thread.
class Changes {
 public:
  std::function<void(bool)> hook() {
    return [this](bool up) {
      {
        std::lock_guard lock(mutex_);
        told_.push_back(up);
      }
      changed_.notify_all();
    };
  }
  std::vector<bool> told() const {
    std::lock_guard lock(mutex_);
    return told_;
  }
  /// The list once it holds `count` changes, or as it is after kBound.
  std::vector<bool> after(std::size_t count) const {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, kBound, [&] { return told_.size() >= count; });
    return told_;
  }

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<bool> told_;
};

// The connections on_connect was given: how many, on which threads, their CLIENT IDs.
class Connects {
 public:
  /// An on_connect that records the connection and accepts it.
  std::function<bool(Connection&)> hook() {
    return [this](Connection& connection) {
      const auto id = connection.command({"CLIENT", "ID"}).integer();
      std::lock_guard lock(mutex_);
      threads_.push_back(std::this_thread::get_id());
      ids_.push_back(id);
      return true;
    };
  }
  std::size_t count() const {
    std::lock_guard lock(mutex_);
    return ids_.size();
  }
  std::vector<std::thread::id> threads() const {
    std::lock_guard lock(mutex_);
    return threads_;
  }
  long long last_id() const {
    std::lock_guard lock(mutex_);
    return ids_.empty() ? 0 : ids_.back();
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::thread::id> threads_;
  std::vector<long long> ids_;
};

// Stops a link after kBound unless dismissed first, so that a wait() which never
// returns fails its case instead of hanging the binary.
class Watchdog {
 public:
  explicit Watchdog(Link& link)
      : thread_([this, &link] {
          std::unique_lock lock(mutex_);
          if (!done_.wait_for(lock, kBound, [&] { return dismissed_; })) {
            fired_ = true;
            link.stop();
          }
        }) {}
  ~Watchdog() { dismiss(); }
  /// True when the link had to be stopped.
  bool dismiss() {
    {
      std::lock_guard lock(mutex_);
      dismissed_ = true;
    }
    done_.notify_all();
    if (thread_.joinable()) thread_.join();
    return fired_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable done_;
  bool dismissed_ = false;
  bool fired_ = false;
  std::thread thread_;
};

// link.wait(), bounded by kBound (the link is stopped then, and the case fails).
Connection* wait_bounded(Link& link) {
  Watchdog watchdog(link);
  auto* connection = link.wait();
  EXPECT_FALSE(watchdog.dismiss()) << "wait() did not connect within " << kBound.count() << " s";
  return connection;
}

bool pongs(Connection& connection) { return connection.command({"PING"}).text() == "PONG"; }

// A link made directly (not through a Client), for backoffs a Client would not take.
std::unique_ptr<Link> direct_link(int port, std::chrono::milliseconds min_backoff,
                                  std::chrono::milliseconds max_backoff, LinkSettings settings) {
  Endpoint endpoint;
  endpoint.port = port;
  const Link::Timing timing{{1000ms, 1500ms}, min_backoff, max_backoff};
  auto counters = std::make_shared<LinkCounters>(settings.role);
  return std::make_unique<Link>(endpoint, timing, std::move(settings), std::move(counters));
}

// Waits out the backoff, makes one attempt with get() and returns the backoff it booked:
// next_attempt() minus the attempt's time, bracketed by the clock read either side.
struct Booked {
  Connection* connection = nullptr;
  Clock::duration at_least{};  // next_attempt() - the clock after the attempt
  Clock::duration at_most{};   // next_attempt() - the clock before it
};
Booked attempt_after_backoff(Link& link) {
  EXPECT_TRUE(link.sleep_until(link.next_attempt()));
  Booked booked;
  const auto before = Clock::now();
  booked.connection = link.get();
  const auto after = Clock::now();
  const auto next = link.next_attempt();
  booked.at_least = next - after;
  booked.at_most = next - before;
  return booked;
}

class LinkTest : public ::testing::Test {
 protected:
  // The test thread writes on connections to a Redis these cases kill.
  void SetUp() override { block_sigpipe_in_this_thread(); }
};

// ---- a reachable Redis ------------------------------------------------------------------

TEST_F(LinkTest, AHealthyLinkHandsOutAWorkingConnection) {
  Changes changes;
  Connects connects;
  const Client client(RedisServer::shared().client_options());
  auto link = client.link(Settings("healthy").on_connect(connects.hook()).on_change(changes.hook()));
  EXPECT_EQ(link->role(), "healthy");
  EXPECT_FALSE(link->healthy()) << "nothing connects before the first get()";
  EXPECT_EQ(link->current(), nullptr);

  auto* connection = link->get();
  ASSERT_NE(connection, nullptr);
  EXPECT_TRUE(pongs(*connection));
  EXPECT_TRUE(link->healthy());
  EXPECT_TRUE(link->wait_until_healthy(0ms));
  EXPECT_EQ(connects.count(), 1u);
  EXPECT_EQ(connects.threads(), std::vector{std::this_thread::get_id()}) << "a foreground link connects in get()";
  EXPECT_EQ(changes.told(), std::vector<bool>{true});

  // The same connection for as long as it works: no new connect, nothing told again.
  EXPECT_EQ(link->get(), connection);
  EXPECT_EQ(link->current(), connection);
  EXPECT_EQ(link->wait(), connection);
  EXPECT_EQ(connection->command({"CLIENT", "ID"}).integer(), connects.last_id());
  EXPECT_EQ(connects.count(), 1u);
  EXPECT_EQ(changes.told(), std::vector<bool>{true});
  EXPECT_EQ(link->reconnects(), 0u);
}

TEST_F(LinkTest, DropThenWaitMakesANewConnectionAndCountsAReconnect) {
  Changes changes;
  Connects connects;
  const Client client(RedisServer::shared().client_options());
  auto link = client.link(Settings("dropped").on_connect(connects.hook()).on_change(changes.hook()));
  auto* first = link->get();
  ASSERT_NE(first, nullptr);
  const auto first_id = connects.last_id();

  link->drop("the test dropped it");
  EXPECT_FALSE(link->healthy());
  EXPECT_EQ(link->current(), nullptr);
  link->drop("and again, in the same outage");
  EXPECT_EQ(changes.told(), (std::vector<bool>{true, false})) << "down is told once per outage";

  auto* second = wait_bounded(*link);
  ASSERT_NE(second, nullptr);
  EXPECT_TRUE(pongs(*second));
  EXPECT_TRUE(link->healthy());
  EXPECT_EQ(link->reconnects(), 1u);
  EXPECT_EQ(connects.count(), 2u) << "on_connect runs once per new connection";
  EXPECT_NE(connects.last_id(), first_id);
  EXPECT_EQ(second->command({"CLIENT", "ID"}).integer(), connects.last_id())
      << "get() hands out the connection on_connect set up";
  EXPECT_EQ(changes.told(), (std::vector<bool>{true, false, true}));

  // And once more: every reconnect counts.
  link->drop("the test dropped it again");
  ASSERT_NE(wait_bounded(*link), nullptr);
  EXPECT_EQ(link->reconnects(), 2u);
  EXPECT_EQ(connects.count(), 3u);
  EXPECT_EQ(changes.told(), (std::vector<bool>{true, false, true, false, true}));
}

TEST_F(LinkTest, OnConnectReturningFalseKeepsTheLinkDownAndRetries) {
  Changes changes;
  std::atomic<int> offered{0};
  const Client client(RedisServer::shared().client_options());
  auto link = client.link(Settings("picky")
                              .on_connect([&](Connection& connection) {
                                EXPECT_TRUE(pongs(connection));
                                return ++offered >= 3;  // the first two are refused
                              })
                              .on_change(changes.hook()));

  const auto before = Clock::now();
  EXPECT_EQ(link->get(), nullptr) << "a connection on_connect refused is not handed out";
  EXPECT_EQ(offered, 1);
  EXPECT_FALSE(link->healthy());
  EXPECT_EQ(link->current(), nullptr);
  EXPECT_GT(link->next_attempt(), before) << "the next attempt waits for the backoff";
  EXPECT_EQ(changes.told(), std::vector<bool>{false});

  auto* connection = wait_bounded(*link);
  ASSERT_NE(connection, nullptr);
  EXPECT_EQ(offered, 3);
  EXPECT_TRUE(pongs(*connection));
  EXPECT_TRUE(link->healthy());
  EXPECT_EQ(link->reconnects(), 0u) << "refused connections are not connects";
  EXPECT_EQ(changes.told(), (std::vector<bool>{false, true})) << "down once for both refusals";
}

// ---- Redis out of reach -----------------------------------------------------------------

TEST_F(LinkTest, AnUnreachableRedisIsToldDownOnceAndRetriedWithADoublingBackoff) {
  Changes changes;
  Connects connects;
  auto link = direct_link(talkline::testing::free_loopback_port(), 40ms, 160ms,
                          Settings("unreachable").on_connect(connects.hook()).on_change(changes.hook()));

  // One attempt per expiry of the backoff, each booking the next: 40, 80, 160, then 160.
  Clock::time_point previous{};
  for (const auto backoff : {40ms, 80ms, 160ms, 160ms, 160ms}) {
    const auto booked = attempt_after_backoff(*link);
    EXPECT_EQ(booked.connection, nullptr);
    EXPECT_LE(booked.at_least, backoff);
    EXPECT_GE(booked.at_most, backoff);
    EXPECT_GT(link->next_attempt(), previous) << "every get() past the backoff is an attempt";
    previous = link->next_attempt();
    EXPECT_FALSE(link->healthy());
  }
  EXPECT_EQ(changes.told(), std::vector<bool>{false}) << "down once per outage, not once per attempt";
  EXPECT_EQ(connects.count(), 0u);
  EXPECT_EQ(link->current(), nullptr);
  EXPECT_FALSE(link->wait_until_healthy(10ms));
  EXPECT_EQ(link->reconnects(), 0u);
}

TEST_F(LinkTest, GetMakesNoAttemptBeforeTheBackoffIsOver) {
  Changes changes;
  auto link = direct_link(talkline::testing::free_loopback_port(), kForever, kForever,
                          Settings("patient").on_change(changes.hook()));
  EXPECT_EQ(link->get(), nullptr);
  const auto next = link->next_attempt();
  EXPECT_GT(next, Clock::now());
  for (int i = 0; i < 5; ++i) EXPECT_EQ(link->get(), nullptr);
  EXPECT_EQ(link->next_attempt(), next) << "no attempt was made meanwhile";
  EXPECT_EQ(changes.told(), std::vector<bool>{false});
}

TEST_F(LinkTest, AClientNeverBacksOffLessThanItsMinimum) {
  auto options = RedisServer::shared().client_options();
  options.endpoint.port = talkline::testing::free_loopback_port();
  options.min_backoff = 60ms;
  options.max_backoff = 10ms;  // below the minimum: the minimum is the maximum
  auto link = Client(options).link(Settings("clamped"));
  for (int i = 0; i < 3; ++i) {
    const auto booked = attempt_after_backoff(*link);
    EXPECT_EQ(booked.connection, nullptr);
    EXPECT_LE(booked.at_least, 60ms);
    EXPECT_GE(booked.at_most, 60ms);
  }
}

// ---- Redis lost and back ----------------------------------------------------------------

TEST_F(LinkTest, AfterRedisIsKilledAndRestartedTheLinkReconnectsAndSubscribesAgain) {
  RedisServer server;
  const auto options = server.client_options();
  Changes changes;
  std::atomic<int> subscribed{0};
  const Client client(options);
  auto link = client.link(Settings("subscriber")
                              .on_connect([&](Connection& connection) {
                                auto reply = connection.command({"SUBSCRIBE", "link-test"});
                                if (reply.missing() || reply.is_error()) return false;
                                ++subscribed;
                                return true;
                              })
                              .on_change(changes.hook()));
  // Asked on a connection of its own (a PUBLISH would leave a message in the link's socket).
  auto subscribers = [&] {
    auto other = Connection::open(options.endpoint, options.connect, "observer");
    return other ? other->command({"PUBSUB", "NUMSUB", "link-test"}).at(1).integer() : -1;
  };

  auto* connection = link->get();
  ASSERT_NE(connection, nullptr);
  EXPECT_EQ(subscribers(), 1);

  server.stop();
  EXPECT_TRUE(connection->command({"PING"}).missing());
  EXPECT_TRUE(connection->broken());
  EXPECT_EQ(link->get(), nullptr) << "a broken connection is dropped, and Redis is gone";
  EXPECT_FALSE(link->healthy());
  EXPECT_EQ(link->current(), nullptr);
  EXPECT_EQ(changes.told(), (std::vector<bool>{true, false}));

  server.start();
  connection = wait_bounded(*link);
  ASSERT_NE(connection, nullptr);
  EXPECT_TRUE(link->healthy());
  EXPECT_EQ(link->reconnects(), 1u);
  EXPECT_EQ(subscribed, 2) << "on_connect set the new connection up again";
  EXPECT_EQ(subscribers(), 1) << "subscribed again on the restarted server";
  EXPECT_EQ(changes.told(), (std::vector<bool>{true, false, true}));
}

// ---- background links -------------------------------------------------------------------

TEST_F(LinkTest, ABackgroundLinkConnectsOnItsOwnThreadAndHandsTheConnectionOver) {
  Changes changes;
  Connects connects;
  const Client client(RedisServer::shared().client_options());
  auto link = client.link(Settings("background").on_connect(connects.hook()).on_change(changes.hook()).background());

  ASSERT_TRUE(link->wait_until_healthy(kBound)) << "connected without anyone calling get()";
  EXPECT_EQ(changes.after(1), std::vector<bool>{true});
  auto* connection = link->get();
  ASSERT_NE(connection, nullptr) << "healthy means the connection is ready to be taken";
  EXPECT_TRUE(pongs(*connection));
  EXPECT_EQ(connection->command({"CLIENT", "ID"}).integer(), connects.last_id());
  EXPECT_EQ(link->get(), connection);

  // Lost: the link's thread makes the next one; the owner only takes it.
  link->drop("the test dropped it");
  EXPECT_EQ(changes.after(2), (std::vector<bool>{true, false}));
  auto* second = wait_bounded(*link);
  ASSERT_NE(second, nullptr);
  EXPECT_TRUE(pongs(*second));
  EXPECT_EQ(second->command({"CLIENT", "ID"}).integer(), connects.last_id());
  EXPECT_EQ(link->reconnects(), 1u);
  EXPECT_EQ(changes.after(3), (std::vector<bool>{true, false, true}));

  const auto threads = connects.threads();
  ASSERT_EQ(threads.size(), 2u);
  EXPECT_NE(threads[0], std::this_thread::get_id());
  EXPECT_EQ(threads[1], threads[0]) << "both on the link's own connector thread";
}

TEST_F(LinkTest, ABackgroundLinkWaitsOutAnOutageOnItsOwn) {
  RedisServer server;
  server.stop();  // out of reach from the start
  Changes changes;
  Connects connects;
  const Client client(server.client_options());
  auto link = client.link(Settings("background").on_connect(connects.hook()).on_change(changes.hook()).background());

  EXPECT_EQ(changes.after(1), std::vector<bool>{false}) << "told down, also when Redis is out of reach from the start";
  EXPECT_EQ(link->get(), nullptr);
  EXPECT_FALSE(link->healthy());
  // Let the connector try a few more times (each attempt books a new next_attempt()).
  std::vector<Clock::time_point> booked{link->next_attempt()};
  const auto give_up = Clock::now() + kBound;
  while (booked.size() < 4 && Clock::now() < give_up) {
    std::this_thread::sleep_for(5ms);
    if (link->next_attempt() != booked.back()) booked.push_back(link->next_attempt());
  }
  EXPECT_EQ(booked.size(), 4u) << "the connector keeps trying";
  EXPECT_EQ(changes.told(), std::vector<bool>{false}) << "down once per outage, not once per attempt";

  server.start();
  ASSERT_TRUE(link->wait_until_healthy(kBound));
  auto* connection = wait_bounded(*link);
  ASSERT_NE(connection, nullptr);
  EXPECT_TRUE(pongs(*connection));
  EXPECT_EQ(connects.count(), 1u);
  EXPECT_EQ(link->reconnects(), 0u) << "the first connection is no reconnect";
  EXPECT_EQ(changes.after(2), (std::vector<bool>{false, true}));
}

// ---- stop() -----------------------------------------------------------------------------

TEST_F(LinkTest, StopEndsEveryWaitAndIsIdempotent) {
  Changes changes;
  auto link = direct_link(talkline::testing::free_loopback_port(), kForever, kForever,
                          Settings("stopped").on_change(changes.hook()));
  auto waited = std::async(std::launch::async, [&] { return link->wait(); });
  auto healthy = std::async(std::launch::async, [&] { return link->wait_until_healthy(kForever); });
  auto slept = std::async(std::launch::async, [&] { return link->sleep_until(Clock::now() + kForever); });
  // wait() made its attempt and now waits out an hour of backoff.
  ASSERT_EQ(changes.after(1), std::vector<bool>{false});

  link->stop();
  ASSERT_EQ(waited.wait_for(kBound), std::future_status::ready) << "stop() did not end wait()";
  ASSERT_EQ(healthy.wait_for(kBound), std::future_status::ready) << "stop() did not end wait_until_healthy()";
  ASSERT_EQ(slept.wait_for(kBound), std::future_status::ready) << "stop() did not end sleep_until()";
  EXPECT_EQ(waited.get(), nullptr);
  EXPECT_FALSE(healthy.get());
  EXPECT_FALSE(slept.get());

  link->stop();
  EXPECT_TRUE(link->stopped());
  EXPECT_EQ(link->get(), nullptr);
  EXPECT_EQ(link->wait(), nullptr) << "a stopped link waits for nothing";
  EXPECT_FALSE(link->sleep_until(Clock::now() + kForever));
  EXPECT_FALSE(link->wait_until_healthy(kForever));
}

TEST_F(LinkTest, AStoppedLinkConnectsNoMore) {
  Changes changes;
  Connects connects;
  const Client client(RedisServer::shared().client_options());
  auto link = client.link(Settings("stopped").on_connect(connects.hook()).on_change(changes.hook()));
  link->stop();
  EXPECT_EQ(link->get(), nullptr);
  EXPECT_EQ(link->wait(), nullptr);
  EXPECT_EQ(connects.count(), 0u);
  EXPECT_TRUE(changes.told().empty());
}

TEST_F(LinkTest, StopEndsABackgroundLinksWaitAndItsThread) {
  Changes changes;
  auto link = direct_link(talkline::testing::free_loopback_port(), kForever, kForever,
                          Settings("stopped").on_change(changes.hook()).background());
  ASSERT_EQ(changes.after(1), std::vector<bool>{false}) << "the connector tried once";
  auto waited = std::async(std::launch::async, [&] { return link->wait(); });

  link->stop();
  link->stop();
  ASSERT_EQ(waited.wait_for(kBound), std::future_status::ready) << "stop() did not end wait()";
  EXPECT_EQ(waited.get(), nullptr);
  auto destroyed = std::async(std::launch::async, [&] { link.reset(); });
  ASSERT_EQ(destroyed.wait_for(kBound), std::future_status::ready) << "the connector thread did not end";
}

// ---- settings ---------------------------------------------------------------------------

TEST_F(LinkTest, AnIoTimeoutOfTheLinksOwnOverridesTheClients) {
  const auto options = RedisServer::shared().client_options();
  const Client client(options);
  auto plain = client.link(Settings("plain"));
  auto own = client.link(Settings("own").io_timeout(250ms));
  EXPECT_EQ(plain->timeouts().io_timeout, options.connect.io_timeout);
  EXPECT_EQ(own->timeouts().io_timeout, 250ms);
  EXPECT_EQ(own->timeouts().connect_timeout, options.connect.connect_timeout);
  ASSERT_NE(own->get(), nullptr);
  EXPECT_TRUE(pongs(*own->get()));
}

// ---- the Client's report ----------------------------------------------------------------

TEST(RedisClient, ReportsEveryLiveLinkByRole) {
  block_sigpipe_in_this_thread();
  const Client client(RedisServer::shared().client_options());
  auto gamma = client.link(Settings("gamma"));
  auto alpha = client.link(Settings("alpha"));
  auto beta = client.link(Settings("beta"));
  auto other_beta = client.link(Settings("beta"));

  auto report = client.report();
  ASSERT_EQ(report.size(), 3u);
  EXPECT_EQ(report[0].role, "alpha");
  EXPECT_EQ(report[1].role, "beta");
  EXPECT_EQ(report[2].role, "gamma");
  EXPECT_EQ(report[1].links, 2u) << "links of one role are summed";
  for (const auto& role : report) EXPECT_EQ(role.up, 0u) << role.role;

  ASSERT_NE(alpha->get(), nullptr);
  ASSERT_NE(beta->get(), nullptr);
  ASSERT_NE(other_beta->get(), nullptr);
  beta->drop("the test dropped it");
  ASSERT_NE(wait_bounded(*beta), nullptr);
  other_beta->drop("the test dropped it");  // and leaves it down
  report = client.report();
  ASSERT_EQ(report.size(), 3u);
  EXPECT_EQ(report[0].up, 1u);
  EXPECT_EQ(report[0].reconnects, 0u);
  EXPECT_EQ(report[1].links, 2u);
  EXPECT_EQ(report[1].up, 1u);
  EXPECT_EQ(report[1].reconnects, 1u);
  EXPECT_EQ(report[2].up, 0u);

  // A copy shares the report; a link that is gone leaves it.
  const Client copy = client;  // NOLINT(performance-unnecessary-copy-initialization): the copy is the point
  auto delta = copy.link(Settings("delta"));
  gamma.reset();
  other_beta.reset();
  report = client.report();
  ASSERT_EQ(report.size(), 3u);
  EXPECT_EQ(report[0].role, "alpha");
  EXPECT_EQ(report[1].role, "beta");
  EXPECT_EQ(report[1].links, 1u);
  EXPECT_EQ(report[1].up, 1u);
  EXPECT_EQ(report[1].reconnects, 1u);
  EXPECT_EQ(report[2].role, "delta");
  EXPECT_EQ(report[2].links, 1u);
}

TEST(RedisClient, ALinkOutlivesItsClient) {
  block_sigpipe_in_this_thread();
  std::unique_ptr<Link> link;
  {
    const Client client(RedisServer::shared().client_options());
    link = client.link(Settings("orphan"));
  }
  auto* connection = link->get();
  ASSERT_NE(connection, nullptr);
  EXPECT_TRUE(pongs(*connection));
  EXPECT_TRUE(link->healthy());
}

}  // namespace
}  // namespace talkline::redis
