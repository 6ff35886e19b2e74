#include "presence_conformance.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <thread>
#include <utility>

namespace talkline::conformance {

using namespace std::chrono_literals;
using presence::Id;
using presence::Millis;
using presence::PresenceDirectory;

void PrintTo(const PresenceFactory& factory, std::ostream* out) { *out << factory.name; }

std::string presence_factory_name(const testing::TestParamInfo<PresenceFactory>& info) {
  std::string name;
  for (char c : info.param.name) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name.empty() ? "presence" + std::to_string(info.index) : name;
}

namespace {

Millis wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// One done callback's answer, from any thread.
class Answer {
 public:
  void set(bool value) {
    {
      std::lock_guard lock(mutex_);
      if (++calls_ > 1) ADD_FAILURE() << "a done callback ran " << calls_ << " times";
      value_ = value;
    }
    arrived_.notify_all();
  }
  std::optional<bool> wait(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    arrived_.wait_for(lock, timeout, [&] { return value_.has_value(); });
    return value_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::optional<bool> value_;
  int calls_ = 0;
};

// Polls `condition` until it holds or `timeout` passes.
template <typename Condition>
bool eventually(Condition condition, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

template <typename Duration>
long long ms_of(Duration duration) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
}

}  // namespace

// ---- PresenceReports -----------------------------------------------------------------

void PresenceReports::watch(PresenceDirectory& directory, int node) {
  directory.on_expired([this, node](Id user, Millis last_seen) {
    {
      std::lock_guard lock(mutex_);
      expired_.push_back(Report{node, user, last_seen});
    }
    changed_.notify_all();
  });
  directory.on_restored([this, node](Id user) {
    {
      std::lock_guard lock(mutex_);
      restored_.push_back(Report{node, user, 0});
    }
    changed_.notify_all();
  });
}

bool PresenceReports::wait_expired(Id user, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] {
    return std::any_of(expired_.begin(), expired_.end(), [&](const Report& r) { return r.user == user; });
  });
}

std::vector<PresenceReports::Report> PresenceReports::expired_of(Id user) const {
  std::lock_guard lock(mutex_);
  std::vector<Report> found;
  for (const auto& report : expired_) {
    if (report.user == user) found.push_back(report);
  }
  return found;
}

std::vector<PresenceReports::Report> PresenceReports::restored_of(Id user) const {
  std::lock_guard lock(mutex_);
  std::vector<Report> found;
  for (const auto& report : restored_) {
    if (report.user == user) found.push_back(report);
  }
  return found;
}

// ---- the fixture ---------------------------------------------------------------------

std::vector<std::unique_ptr<PresenceDirectory>> PresenceConformance::cluster(int nodes) {
  std::vector<std::unique_ptr<PresenceDirectory>> made;
  if (nodes > 1 && !GetParam().shares_state) return made;
  last_cluster_ = GetParam().make_cluster(false);
  for (int i = 0; i < nodes; ++i) made.push_back(last_cluster_.make_node());
  return made;
}

std::unique_ptr<PresenceDirectory> PresenceConformance::node() { return std::move(cluster(1).front()); }

Id PresenceConformance::fresh_user() {
  static std::atomic<Id> next{1'000'000};
  return ++next;
}

std::optional<bool> PresenceConformance::online(PresenceDirectory& node, Id user) {
  auto answer = std::make_shared<Answer>();
  node.node_online(user, [answer](bool first) { answer->set(first); });
  return answer->wait(kDeadline);
}

std::optional<bool> PresenceConformance::offline(PresenceDirectory& node, Id user, Millis at) {
  auto answer = std::make_shared<Answer>();
  node.node_offline(user, at != 0 ? at : wall_ms(), [answer](bool last) { answer->set(last); });
  return answer->wait(kDeadline);
}

// ---- one node ------------------------------------------------------------------------

TEST_P(PresenceConformance, FirstConnectionBringsAUserOnlineAndTheLastTakesThemOffline) {
  auto n = node();
  const Id user = fresh_user();
  EXPECT_EQ(online(*n, user), true);
  EXPECT_EQ(offline(*n, user), true);
  EXPECT_EQ(online(*n, user), true) << "coming back after going offline is a new online";
  EXPECT_EQ(offline(*n, user), true);
}

TEST_P(PresenceConformance, ConnectionsAreCountedSoOnlyTheFirstAndTheLastCount) {
  auto n = node();
  const Id user = fresh_user();
  EXPECT_EQ(online(*n, user), true);
  EXPECT_EQ(online(*n, user), false);
  EXPECT_EQ(online(*n, user), false);
  EXPECT_EQ(offline(*n, user), false);
  EXPECT_EQ(offline(*n, user), false);
  EXPECT_EQ(n->offline_among({user}), std::vector<Id>{}) << "one connection is still held";
  EXPECT_EQ(offline(*n, user), true);
}

TEST_P(PresenceConformance, AnOfflineWithoutAnOnlineChangesNothing) {
  auto n = node();
  const Id user = fresh_user();
  EXPECT_EQ(offline(*n, user), false);
  EXPECT_EQ(n->offline_among({user}), std::vector<Id>{user});
  EXPECT_EQ(online(*n, user), true) << "the stray offline must not have made the count negative";
}

TEST_P(PresenceConformance, OfflineAmongListsTheUsersNobodyHoldsInTheirOrder) {
  auto n = node();
  const Id a = fresh_user(), b = fresh_user(), c = fresh_user(), d = fresh_user();
  ASSERT_EQ(online(*n, a), true);
  ASSERT_EQ(online(*n, c), true);
  EXPECT_EQ(n->offline_among({a, b, c, d, b}), (std::vector<Id>{b, d, b}));
  EXPECT_EQ(n->offline_among({}), std::vector<Id>{});
  ASSERT_EQ(offline(*n, a), true);
  EXPECT_EQ(n->offline_among({a, b, c}), (std::vector<Id>{a, b}));
}

TEST_P(PresenceConformance, IsHealthyWhileItsServerIsUp) {
  auto n = node();
  EXPECT_TRUE(n->healthy());
}

TEST_P(PresenceConformance, CountsStayExactUnderCallsFromManyThreads) {
  auto n = node();
  constexpr int kUsers = 50;
  constexpr int kThreads = 4;
  std::vector<Id> users;
  for (int i = 0; i < kUsers; ++i) users.push_back(fresh_user());
  std::vector<std::atomic<int>> firsts(kUsers), lasts(kUsers);
  std::atomic<int> answered{0};
  auto run = [&](bool on) {
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, on] {
        for (int i = 0; i < kUsers; ++i) {
          auto done = [&, i, on](bool yes) {
            if (yes) ++(on ? firsts : lasts)[i];
            ++answered;
          };
          if (on) {
            n->node_online(users[i], done);
          } else {
            n->node_offline(users[i], wall_ms(), done);
          }
        }
      });
    }
    for (auto& thread : threads) thread.join();
  };
  run(true);
  ASSERT_TRUE(eventually([&] { return answered == kUsers * kThreads; }, kDeadline));
  EXPECT_EQ(n->offline_among(users), std::vector<Id>{});
  run(false);
  ASSERT_TRUE(eventually([&] { return answered == 2 * kUsers * kThreads; }, kDeadline));
  for (int i = 0; i < kUsers; ++i) {
    EXPECT_EQ(firsts[i].load(), 1) << "user " << i;
    EXPECT_EQ(lasts[i].load(), 1) << "user " << i;
  }
  EXPECT_EQ(n->offline_among(users), users);
}

// ---- several nodes -------------------------------------------------------------------

TEST_P(PresenceConformance, ClusterDecidesFirstAndLastAcrossNodes) {
  auto nodes = cluster(2);
  if (nodes.empty()) GTEST_SKIP() << GetParam().name << " nodes share nothing";
  auto& a = *nodes[0];
  auto& b = *nodes[1];
  const Id user = fresh_user();
  EXPECT_EQ(online(a, user), true);
  EXPECT_EQ(online(b, user), false) << "already online on the other node";
  EXPECT_EQ(b.offline_among({user}), std::vector<Id>{});
  EXPECT_EQ(offline(a, user), false) << "still online on the other node";
  EXPECT_EQ(a.offline_among({user}), std::vector<Id>{}) << "a node sees users the others hold";
  EXPECT_EQ(offline(b, user), true);
  EXPECT_EQ(a.offline_among({user}), std::vector<Id>{user});
  EXPECT_EQ(online(b, user), true);
}

TEST_P(PresenceConformance, ClusterMakesExactlyOneFirstAndOneLastForRacingNodes) {
  auto nodes = cluster(2);
  if (nodes.empty()) GTEST_SKIP() << GetParam().name << " nodes share nothing";
  constexpr int kUsers = 100;
  std::vector<Id> users;
  for (int i = 0; i < kUsers; ++i) users.push_back(fresh_user());
  std::vector<std::atomic<int>> firsts(kUsers), lasts(kUsers);
  std::atomic<int> answered{0};
  auto race = [&](bool on) {
    std::vector<std::thread> threads;
    for (auto& node : nodes) {
      threads.emplace_back([&, on, n = node.get()] {
        for (int i = 0; i < kUsers; ++i) {
          auto done = [&, i, on](bool yes) {
            if (yes) ++(on ? firsts : lasts)[i];
            ++answered;
          };
          if (on) {
            n->node_online(users[i], done);
          } else {
            n->node_offline(users[i], wall_ms(), done);
          }
        }
      });
    }
    for (auto& thread : threads) thread.join();
  };
  race(true);
  ASSERT_TRUE(eventually([&] { return answered == 2 * kUsers; }, kDeadline));
  race(false);
  ASSERT_TRUE(eventually([&] { return answered == 4 * kUsers; }, kDeadline));
  for (int i = 0; i < kUsers; ++i) {
    EXPECT_EQ(firsts[i].load(), 1) << "user " << i << ": exactly one node brings them online";
    EXPECT_EQ(lasts[i].load(), 1) << "user " << i << ": exactly one node takes them offline";
  }
  EXPECT_EQ(nodes[0]->offline_among(users), users);
}

TEST_P(PresenceConformance, ClusterAppliesBackToBackChangesInTheOrderMade) {
  auto nodes = cluster(2);
  if (nodes.empty()) GTEST_SKIP() << GetParam().name << " nodes share nothing";
  auto& a = *nodes[0];
  const Id stays = fresh_user(), leaves = fresh_user();
  auto ignore = [](bool) {};
  a.node_online(stays, ignore);
  a.node_offline(stays, wall_ms(), ignore);
  a.node_online(stays, ignore);
  a.node_online(leaves, ignore);
  // Answered after everything above, which was made earlier.
  ASSERT_EQ(offline(a, leaves), true);
  EXPECT_EQ(nodes[1]->offline_among({stays, leaves}), std::vector<Id>{leaves});
}

// ---- nodes that die ------------------------------------------------------------------

TEST_P(PresenceConformance, ExpiryReportsADeadNodesUsersOnceToTheSurvivors) {
  const auto ttl = GetParam().ttl;
  if (ttl.count() == 0 || !GetParam().shares_state) GTEST_SKIP() << GetParam().name << " never expires entries";
  PresenceReports reports;  // outlives the nodes, whose handlers point at it
  auto nodes = cluster(3);
  reports.watch(*nodes[0], 0);
  reports.watch(*nodes[2], 2);
  auto& survivor = *nodes[0];
  const Id alone = fresh_user(), shared = fresh_user(), moved = fresh_user();
  const Millis before = wall_ms();
  ASSERT_EQ(online(*nodes[1], alone), true);
  ASSERT_EQ(online(*nodes[1], shared), true);
  ASSERT_EQ(online(*nodes[1], moved), true);
  ASSERT_EQ(online(survivor, shared), false);

  // The node dies without a word (its entries stay until they expire).
  nodes[1].reset();
  const Millis died = wall_ms();
  const auto died_at = std::chrono::steady_clock::now();
  EXPECT_EQ(online(*nodes[2], moved), false) << "a user whose connection moved within the TTL never went offline";

  ASSERT_TRUE(reports.wait_expired(alone, ttl + 10s)) << "the dead node's user was never reported offline";
  const auto took = std::chrono::steady_clock::now() - died_at;
  EXPECT_LE(ms_of(took), ms_of(ttl + 2500ms)) << "reported later than the TTL plus a sweep";
  EXPECT_GE(ms_of(took), ms_of(ttl * 2 / 3 - 100ms)) << "reported before the dead node's entry could expire";
  // Several sweeps later there is still one report, from one survivor.
  std::this_thread::sleep_for(2500ms);
  const auto reported = reports.expired_of(alone);
  ASSERT_EQ(reported.size(), 1u);
  EXPECT_TRUE(reported[0].node == 0 || reported[0].node == 2);
  EXPECT_GE(reported[0].last_seen, before - 1000) << "last seen before the user came online";
  EXPECT_LE(reported[0].last_seen, died + 1000) << "last seen after the node died";
  EXPECT_TRUE(reports.expired_of(shared).empty()) << "a survivor still holds that user";
  EXPECT_TRUE(reports.expired_of(moved).empty()) << "another node took that user over in time";
  EXPECT_EQ(survivor.offline_among({alone, shared, moved}), std::vector<Id>{alone});
}

TEST_P(PresenceConformance, ExpiryAfterTheOtherHolderLeftReportsWhenItLeft) {
  const auto ttl = GetParam().ttl;
  if (ttl.count() == 0 || !GetParam().shares_state) GTEST_SKIP() << GetParam().name << " never expires entries";
  PresenceReports reports;
  auto nodes = cluster(2);
  reports.watch(*nodes[0], 0);
  const Id user = fresh_user();
  ASSERT_EQ(online(*nodes[0], user), true);
  ASSERT_EQ(online(*nodes[1], user), false);
  nodes[1].reset();
  const Millis left = wall_ms() + 500;  // later than the dead node's last heartbeat
  EXPECT_EQ(offline(*nodes[0], user, left), false) << "the dead node's entry has not expired yet";
  ASSERT_TRUE(reports.wait_expired(user, ttl + 10s));
  std::this_thread::sleep_for(1500ms);
  const auto reported = reports.expired_of(user);
  ASSERT_EQ(reported.size(), 1u);
  EXPECT_EQ(reported[0].last_seen, left) << "last seen is when the last live node let go";
}

TEST_P(PresenceConformance, OutageIsAnsweredFromLocalStateAndReconciledAfter) {
  if (!GetParam().shares_state) GTEST_SKIP() << GetParam().name << " has no server";
  PresenceReports reports;
  last_cluster_ = GetParam().make_cluster(true);
  if (!last_cluster_.stop_server) GTEST_SKIP() << GetParam().name << " cannot stop its server";
  auto a = last_cluster_.make_node();
  auto b = last_cluster_.make_node();
  reports.watch(*a, 0);
  reports.watch(*b, 1);
  const Id held = fresh_user(), let_go = fresh_user(), during = fresh_user(), nobody = fresh_user();
  ASSERT_EQ(online(*a, held), true);
  ASSERT_EQ(online(*b, let_go), true);

  last_cluster_.stop_server();
  ASSERT_TRUE(eventually([&] { return !a->healthy() && !b->healthy(); }, kDeadline)) << "the outage went unnoticed";
  const auto asked = std::chrono::steady_clock::now();
  EXPECT_EQ(online(*a, during), true) << "best guess: nobody else known to hold them";
  EXPECT_EQ(offline(*b, let_go), true) << "best guess: this node was the last";
  EXPECT_EQ(a->offline_among({held, let_go, during, nobody}), (std::vector<Id>{let_go, nobody}));
  EXPECT_LT(ms_of(std::chrono::steady_clock::now() - asked), 500) << "answers must not wait for the server";

  last_cluster_.start_server();  // empty: every entry was lost
  ASSERT_TRUE(eventually([&] { return a->healthy() && b->healthy(); }, kDeadline)) << "never reconnected";
  EXPECT_EQ(b->offline_among({held, let_go, during, nobody}), (std::vector<Id>{let_go, nobody}))
      << "node a added its users again";
  EXPECT_EQ(online(*b, held), false);
  EXPECT_EQ(online(*b, during), false);
  EXPECT_TRUE(reports.restored_of(during).empty()) << "announced online by the guess already";
  EXPECT_EQ(reports.restored_of(held).size(), 1u) << "its entry was lost with the server's data";
}

}  // namespace talkline::conformance
