// The RateLimiter suite and the Redis limiter's own behaviour (buckets shared by nodes,
// expiry, NOSCRIPT, falling back to local buckets), against a throwaway redis-server
// this binary starts itself (tests/support/redis_server.hpp).
#include "ratelimit/redis/redis_rate_limiter.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "conformance/ratelimit_conformance.hpp"
#include "redis/connection.hpp"
#include "support/redis_server.hpp"

namespace talkline::ratelimit::redis {
namespace {

using namespace std::chrono_literals;
using talkline::testing::RedisServer;
using Steady = std::chrono::steady_clock;

// A key prefix no other limiter of this binary uses: each test has buckets of its own.
std::string fresh_prefix() {
  static std::atomic<int> next{0};
  return "trl" + std::to_string(++next) + ":";
}

// The limiter's options and the client it runs on.
struct Options : RedisRateLimiterOptions {
  talkline::redis::ClientOptions client;
};

Options options_for(const RedisServer& server, std::string prefix) {
  Options options;
  options.client = server.client_options();
  options.key_prefix = std::move(prefix);
  return options;
}

std::unique_ptr<RedisRateLimiter> limiter_on(const Options& options, const util::Clock& clock) {
  return std::make_unique<RedisRateLimiter>(talkline::redis::Client(options.client), options, clock);
}

std::unique_ptr<RedisRateLimiter> connected(const Options& options, const util::Clock& clock) {
  auto limiter = limiter_on(options, clock);
  if (!limiter->wait_until_healthy(10s)) throw std::runtime_error("the redis limiter did not connect in 10 s");
  return limiter;
}

// A connection of the test's own, to look at (and meddle with) what the limiter keeps.
std::unique_ptr<talkline::redis::Connection> inspector(const RedisServer& server) {
  const auto options = server.client_options();
  auto connection = talkline::redis::Connection::open(options.endpoint, options.connect, "test");
  if (!connection) throw std::runtime_error("cannot reach the test redis-server");
  return connection;
}

// Polls `condition` until it holds or `deadline` passes.
template <typename Condition>
bool eventually(Condition condition, std::chrono::milliseconds deadline = 10s) {
  const auto until = Steady::now() + deadline;
  while (Steady::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return condition();
}

// ---- the shared RateLimiter suite --------------------------------------------------------

// The suite moves a manual clock, so "now" goes with each call instead of coming from
// the server. A long timeout: a loaded test machine must not make a case fall back.
TALKLINE_INSTANTIATE_RATELIMIT_CONFORMANCE(Redis,
                                           conformance::RateLimiterFactory{
                                               "redis", [](const util::Clock& clock) -> std::unique_ptr<RateLimiter> {
                                                 auto options = options_for(RedisServer::shared(), fresh_prefix());
                                                 options.server_time = false;
                                                 options.timeout = 5s;
                                                 return connected(std::move(options), clock);
                                               }});

// ---- behaviour particular to the Redis limiter -------------------------------------------

class RedisRateLimiterTest : public ::testing::Test {
 protected:
  util::SystemClock clock_;
};

// Asks `nodes` in turn, `rounds` times each, with `ask` (true: granted); returns the grants.
template <typename Ask>
int granted_taking_turns(std::initializer_list<RedisRateLimiter*> nodes, int rounds, Ask ask) {
  int granted = 0;
  for (int i = 0; i < rounds; ++i) {
    for (auto* node : nodes) {
      if (ask(*node)) ++granted;
    }
  }
  return granted;
}

TEST_F(RedisRateLimiterTest, TwoNodesShareOneBucket) {
  auto options = options_for(RedisServer::shared(), fresh_prefix());
  options.timeout = 5s;
  auto node_a = connected(options, clock_);
  auto node_b = connected(options, clock_);
  const Limit limit{6, 0.001};
  const int granted = granted_taking_turns({node_a.get(), node_b.get()}, 10, [&](RedisRateLimiter& node) {
    return node.acquire("user:1", limit).allowed;
  });
  EXPECT_EQ(granted, 6);
  const auto refused = node_b->peek("user:1", limit);
  EXPECT_FALSE(refused.allowed);
  EXPECT_GE(refused.retry_after_seconds, 1);
  // A refund on one node is seen by the other.
  node_a->refund("user:1", limit);
  EXPECT_TRUE(eventually([&] { return node_b->peek("user:1", limit).allowed; }));
  EXPECT_EQ(node_a->stats().local_decisions, 0U);
  EXPECT_EQ(node_b->stats().local_decisions, 0U);
}

TEST_F(RedisRateLimiterTest, RefillsByTheServerClock) {
  auto options = options_for(RedisServer::shared(), fresh_prefix());
  options.timeout = 5s;
  auto limiter = connected(options, clock_);
  const Limit limit{2, 20};  // a token every 50 ms
  EXPECT_TRUE(limiter->acquire("k", limit).allowed);
  EXPECT_TRUE(limiter->acquire("k", limit).allowed);
  EXPECT_TRUE(eventually([&] { return limiter->acquire("k", limit).allowed; }, 2s));
}

TEST_F(RedisRateLimiterTest, BucketsExpireOnceTheyWouldBeFullAgain) {
  const auto prefix = fresh_prefix();
  auto options = options_for(RedisServer::shared(), prefix);
  options.timeout = 5s;
  options.expiry_margin = 50ms;
  auto limiter = connected(options, clock_);
  auto redis = inspector(RedisServer::shared());

  EXPECT_TRUE(limiter->acquire("fast", Limit{1, 100}).allowed);  // full again after 10 ms
  const auto ttl = redis->command({"PTTL", prefix + "fast"});
  ASSERT_TRUE(ttl.is_integer());
  EXPECT_GT(ttl.integer(), 0);
  EXPECT_LE(ttl.integer(), 70);
  EXPECT_TRUE(eventually([&] { return redis->command({"EXISTS", prefix + "fast"}).integer() == 0; }, 5s));

  // A bucket that takes long to refill lives as long as that, not for ever.
  EXPECT_TRUE(limiter->acquire("slow", Limit{10, 0.01}, 10).allowed);  // 1000 s to refill
  const auto slow_ttl = redis->command({"PTTL", prefix + "slow"}).integer();
  EXPECT_GT(slow_ttl, 990'000);
  EXPECT_LE(slow_ttl, 1'000'100);

  // peek writes nothing.
  EXPECT_TRUE(limiter->peek("peeked", Limit{1, 1}).allowed);
  EXPECT_EQ(redis->command({"EXISTS", prefix + "peeked"}).integer(), 0);
}

TEST_F(RedisRateLimiterTest, SendsTheScriptAgainWhenRedisForgotIt) {
  auto options = options_for(RedisServer::shared(), fresh_prefix());
  options.timeout = 5s;
  auto limiter = connected(options, clock_);
  const Limit limit{2, 0.001};
  EXPECT_TRUE(limiter->acquire("k", limit).allowed);
  ASSERT_FALSE(inspector(RedisServer::shared())->command({"SCRIPT", "FLUSH"}).is_error());
  EXPECT_TRUE(limiter->acquire("k", limit).allowed);
  EXPECT_FALSE(limiter->acquire("k", limit).allowed);
  EXPECT_EQ(limiter->stats().redis_decisions, 3U);
  EXPECT_EQ(limiter->stats().local_decisions, 0U);
}

TEST_F(RedisRateLimiterTest, AcquireAsyncAnswersOnTheLimitersThreadWithoutBlockingTheCaller) {
  auto options = options_for(RedisServer::shared(), fresh_prefix());
  options.timeout = 5s;
  auto limiter = connected(options, clock_);
  const Limit limit{50, 0.001};
  constexpr int kCalls = 200;
  std::mutex mutex;
  std::condition_variable done;
  std::vector<int> order;
  int allowed = 0;
  std::atomic<int> on_caller_thread{0};
  const auto caller = std::this_thread::get_id();
  for (int i = 0; i < kCalls; ++i) {
    limiter->acquire_async("k", limit, 1, [&, i](Decision decision) {
      if (std::this_thread::get_id() == caller) ++on_caller_thread;
      // Notified under the lock: the test may return (and destroy `done`) as soon as the
      // last answer is in, which must not race a notify still running here.
      std::lock_guard lock(mutex);
      order.push_back(i);
      if (decision.allowed) ++allowed;
      done.notify_all();
    });
  }
  std::unique_lock lock(mutex);
  ASSERT_TRUE(done.wait_for(lock, 10s, [&] { return order.size() == kCalls; }));
  EXPECT_EQ(on_caller_thread.load(), 0);
  EXPECT_EQ(allowed, 50);
  for (int i = 0; i < kCalls; ++i) ASSERT_EQ(order[i], i) << "answers out of order";
}

// acquire_async's answer, waited for, and then the lease it brought kept (the limiter keeps
// a lease just after it answers); `inline_answer` tells whether the answer came on this
// thread before the call returned.
Decision acquire_and_wait(RedisRateLimiter& limiter, const std::string& key, const Limit& limit,
                          bool* inline_answer = nullptr) {
  struct Answer {
    std::mutex mutex;
    std::condition_variable done;
    std::optional<Decision> decision;
    bool on_caller = false;
  };
  auto answer = std::make_shared<Answer>();
  const auto caller = std::this_thread::get_id();
  limiter.acquire_async(key, limit, 1, [answer, caller](Decision decision) {
    std::lock_guard lock(answer->mutex);
    answer->on_caller = std::this_thread::get_id() == caller;
    answer->decision = decision;
    answer->done.notify_all();
  });
  std::unique_lock lock(answer->mutex);
  if (!answer->done.wait_for(lock, 10s, [&] { return answer->decision.has_value(); })) {
    throw std::runtime_error("no answer in 10 s");
  }
  if (inline_answer != nullptr) *inline_answer = answer->on_caller;
  const Decision decision = *answer->decision;
  lock.unlock();
  if (!eventually([&] { return limiter.stats().lease_calls_unsettled == 0; })) {
    throw std::runtime_error("the lease was not kept in 10 s");
  }
  return decision;
}

TEST_F(RedisRateLimiterTest, LeasedTokensAnswerTheNextCallsAtOnceWithoutRedis) {
  auto options = options_for(RedisServer::shared(), fresh_prefix());
  options.timeout = 5s;
  options.lease_tokens = 4;
  options.lease_time = 10s;
  auto limiter = connected(options, clock_);
  const Limit limit{100, 0.001};

  bool at_once = true;
  EXPECT_TRUE(acquire_and_wait(*limiter, "k", limit, &at_once).allowed);
  EXPECT_FALSE(at_once) << "the first call has to ask Redis";
  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE(acquire_and_wait(*limiter, "k", limit, &at_once).allowed);
    EXPECT_TRUE(at_once) << "call " << i << " of the lease";
  }
  EXPECT_TRUE(acquire_and_wait(*limiter, "k", limit, &at_once).allowed);
  EXPECT_FALSE(at_once) << "the lease is spent";
  EXPECT_EQ(limiter->stats().redis_decisions, 2U);
  EXPECT_EQ(limiter->stats().leased_decisions, 4U);
  // Redis's bucket already went without what the node holds: 2 calls, 2 leases of 4.
  EXPECT_TRUE(limiter->peek("k", limit, 90).allowed);
  EXPECT_FALSE(limiter->peek("k", limit, 91).allowed);
  // Another key, and another limit of the same key, never spend this lease.
  EXPECT_TRUE(acquire_and_wait(*limiter, "other", limit, &at_once).allowed);
  EXPECT_FALSE(at_once);
  EXPECT_TRUE(acquire_and_wait(*limiter, "k", Limit{200, 0.001}, &at_once).allowed);
  EXPECT_FALSE(at_once);
}

TEST_F(RedisRateLimiterTest, LeasesNeverLetTwoNodesPastTheSharedLimitAndWhatIsLeftGoesBack) {
  auto options = options_for(RedisServer::shared(), fresh_prefix());
  options.timeout = 5s;
  options.lease_tokens = 100;  // held to a quarter of the bucket: 2
  options.lease_time = 200ms;
  auto node_a = connected(options, clock_);
  auto node_b = connected(options, clock_);
  const Limit limit{8, 0.0001};
  auto ask = [&](RedisRateLimiter& node) { return acquire_and_wait(node, "user:1", limit).allowed; };
  int granted = granted_taking_turns({node_a.get(), node_b.get()}, 10, ask);
  EXPECT_LE(granted, 8);
  // Node A then stops sending: what it still holds goes back after the lease
  // time, and node B can then spend every token of the bucket.
  std::this_thread::sleep_for(600ms);
  granted += granted_taking_turns({node_b.get()}, 10, ask);
  EXPECT_EQ(granted, 8);
  EXPECT_EQ(node_a->stats().local_decisions + node_b->stats().local_decisions, 0U);
}

TEST_F(RedisRateLimiterTest, WithLeasesOneThreadsCallsAreStillAnsweredInOrder) {
  auto options = options_for(RedisServer::shared(), fresh_prefix());
  options.timeout = 5s;
  options.lease_tokens = 8;
  auto limiter = connected(options, clock_);
  const Limit limit{1000, 0.001};
  constexpr int kCalls = 500;
  std::mutex mutex;
  std::condition_variable done;
  std::vector<int> order;
  for (int i = 0; i < kCalls; ++i) {
    limiter->acquire_async("k", limit, 1, [&, i](Decision) {
      std::lock_guard lock(mutex);
      order.push_back(i);
      done.notify_all();
    });
    // Now and then let the answers catch up, so later calls find a lease to spend.
    if (i % 50 == 49) {
      std::unique_lock lock(mutex);
      done.wait_for(lock, 10s, [&] { return static_cast<int>(order.size()) == i + 1; });
    }
  }
  std::unique_lock lock(mutex);
  ASSERT_TRUE(done.wait_for(lock, 10s, [&] { return order.size() == kCalls; }));
  for (int i = 0; i < kCalls; ++i) ASSERT_EQ(order[i], i) << "answers out of order";
  EXPECT_GT(limiter->stats().leased_decisions, 0U);
}

// Redis stuck (SIGSTOP): the TCP connection stays up but nothing answers.
TEST_F(RedisRateLimiterTest, PausedRedisFallsBackToLocalBucketsWithinTheTimeout) {
  RedisServer server;  // its own: this test pauses it
  auto options = options_for(server, fresh_prefix());
  options.timeout = 200ms;
  auto limiter = connected(options, clock_);
  const Limit limit{3, 0.001};
  EXPECT_TRUE(limiter->acquire("k", limit).allowed);  // one token gone in Redis

  server.pause();
  const auto before = Steady::now();
  const auto first = limiter->acquire("k", limit);
  EXPECT_LT(Steady::now() - before, 1500ms) << "a synchronous call waited past its timeout";
  EXPECT_TRUE(first.allowed);
  EXPECT_TRUE(eventually([&] { return !limiter->healthy(); }, 5s)) << "a paused Redis went unnoticed";

  // The local bucket answers now, at once, and still limits.
  std::atomic<int> async_answers{0};
  const auto async_sent = Steady::now();
  limiter->acquire_async("other", limit, 1, [&](Decision) { ++async_answers; });
  EXPECT_TRUE(eventually([&] { return async_answers.load() == 1; }, 5s));
  EXPECT_LT(Steady::now() - async_sent, 1500ms);
  int granted = 0;
  for (int i = 0; i < 5; ++i) {
    const auto started = Steady::now();
    if (limiter->acquire("local-only", limit).allowed) ++granted;
    EXPECT_LT(Steady::now() - started, 100ms) << "waited for a Redis known to be down";
  }
  EXPECT_EQ(granted, 3);
  const auto during = limiter->stats();
  EXPECT_EQ(during.outages, 1U) << "one outage, counted once";
  EXPECT_GE(during.local_decisions, 7U);

  server.resume();
  ASSERT_TRUE(limiter->wait_until_healthy(10s)) << "no reconnect after the pause";
  const auto redis_before = limiter->stats().redis_decisions;
  EXPECT_TRUE(eventually([&] {
    limiter->peek("k", limit);
    return limiter->stats().redis_decisions > redis_before;
  }));
  EXPECT_EQ(limiter->stats().outages, 1U);
}

TEST_F(RedisRateLimiterTest, StoppedRedisFallsBackAndRecoversAfterARestart) {
  RedisServer server;  // its own: this test kills it
  auto options = options_for(server, fresh_prefix());
  options.timeout = 200ms;
  auto limiter = connected(options, clock_);
  const Limit limit{2, 0.001};
  EXPECT_TRUE(limiter->acquire("k", limit).allowed);

  server.stop();
  for (int i = 0; i < 3; ++i) {
    const auto started = Steady::now();
    limiter->acquire("down", limit);
    EXPECT_LT(Steady::now() - started, 1500ms);
  }
  EXPECT_TRUE(eventually([&] { return !limiter->healthy(); }, 5s));
  EXPECT_GE(limiter->stats().local_decisions, 1U);

  server.start();  // empty: no buckets, no scripts
  ASSERT_TRUE(limiter->wait_until_healthy(10s)) << "no reconnect after the restart";
  EXPECT_TRUE(eventually([&] {
    const auto before = limiter->stats().redis_decisions;
    limiter->peek("k", limit);
    return limiter->stats().redis_decisions > before;
  }));
  EXPECT_TRUE(limiter->acquire("fresh", limit).allowed);
  EXPECT_TRUE(limiter->acquire("fresh", limit).allowed);
  EXPECT_FALSE(limiter->acquire("fresh", limit).allowed);
  EXPECT_EQ(limiter->stats().outages, 1U);
}

TEST_F(RedisRateLimiterTest, UnreachableAtStartAnswersLocallyAtOnce) {
  int port = 0;
  {
    RedisServer gone;
    port = gone.port();
  }  // nothing listens there any more
  auto options = options_for(RedisServer::shared(), fresh_prefix());
  options.client.endpoint.port = port;
  options.timeout = 200ms;
  auto owned = limiter_on(options, clock_);
  auto& limiter = *owned;
  EXPECT_FALSE(limiter.wait_until_healthy(300ms));
  const Limit limit{1, 0.001};
  const auto started = Steady::now();
  EXPECT_TRUE(limiter.acquire("k", limit).allowed);
  EXPECT_FALSE(limiter.acquire("k", limit).allowed);
  EXPECT_LT(Steady::now() - started, 100ms);
  EXPECT_FALSE(limiter.healthy());
  EXPECT_EQ(limiter.stats().outages, 1U);
  EXPECT_EQ(limiter.stats().local_decisions, 2U);
}

TEST_F(RedisRateLimiterTest, AnswersEveryQueuedCallWhenDestroyed) {
  RedisServer server;
  auto options = options_for(server, fresh_prefix());
  options.timeout = 200ms;
  std::atomic<int> answered{0};
  {
    auto limiter = connected(options, clock_);
    server.pause();
    for (int i = 0; i < 20; ++i) limiter->acquire_async("k", Limit{5, 1}, 1, [&](Decision) { ++answered; });
  }
  server.resume();
  EXPECT_EQ(answered.load(), 20);
}

}  // namespace
}  // namespace talkline::ratelimit::redis
