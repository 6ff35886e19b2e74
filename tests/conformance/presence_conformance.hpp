#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "presence/presence_directory.hpp"

// The PresenceDirectory conformance suite: every backend passes the same cases. A
// backend's test file only instantiates it:
//
//   TALKLINE_INSTANTIATE_PRESENCE_CONFORMANCE(Local, talkline::conformance::PresenceFactory{
//       "local", [](bool) { return PresenceCluster{[] { return std::make_unique<Local...>(); }}; }});
//
// A cluster is what several nodes share: every node made by one cluster's maker sees
// the others (when `shares_state`), and nothing of other clusters. The cluster cases
// skip for a backend whose nodes share nothing, the expiry cases for one whose entries
// never expire, and the outage case when the cluster cannot stop its server.

namespace talkline::conformance {

using PresenceMaker = std::function<std::unique_ptr<presence::PresenceDirectory>()>;

struct PresenceCluster {
  /// A new node of this cluster, ready to use (connected, for a networked backend).
  PresenceMaker make_node;
  /// Optional: an outage of the cluster's server — stop kills it (its data is lost),
  /// start brings it back empty on the same address.
  std::function<void()> stop_server = {};
  std::function<void()> start_server = {};
};

struct PresenceFactory {
  std::string name;
  /// A fresh cluster. `own_server`: the test will stop and start the server, so the
  /// cluster must not share it with other tests (ignored by backends without one).
  std::function<PresenceCluster(bool own_server)> make_cluster;
  /// Nodes of one cluster see each other's users.
  bool shares_state = false;
  /// The TTL of the nodes' entries; zero when a backend never expires anything.
  std::chrono::milliseconds ttl{0};
};

void PrintTo(const PresenceFactory& factory, std::ostream* out);
std::string presence_factory_name(const testing::TestParamInfo<PresenceFactory>& info);

/// What on_expired / on_restored reported, from any thread, with the reporting node.
class PresenceReports {
 public:
  struct Report {
    int node = 0;
    presence::Id user = 0;
    presence::Millis last_seen = 0;
  };
  /// Records on_expired and on_restored of `directory` as node number `node`.
  void watch(presence::PresenceDirectory& directory, int node);
  /// Waits until `user` has been reported expired (true) or `timeout` passed.
  bool wait_expired(presence::Id user, std::chrono::milliseconds timeout);
  std::vector<Report> expired_of(presence::Id user) const;
  std::vector<Report> restored_of(presence::Id user) const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Report> expired_;
  std::vector<Report> restored_;
};

class PresenceConformance : public testing::TestWithParam<PresenceFactory> {
 protected:
  /// Longest wait for an answer that should come; generous for a networked backend.
  static constexpr std::chrono::milliseconds kDeadline{10'000};

  /// The nodes of a fresh cluster; empty (the test should skip) when `nodes` > 1 and
  /// the backend's nodes share nothing.
  std::vector<std::unique_ptr<presence::PresenceDirectory>> cluster(int nodes);
  /// One node of a fresh cluster.
  std::unique_ptr<presence::PresenceDirectory> node();
  /// A user id no other case of this binary uses.
  static presence::Id fresh_user();

  /// node_online's answer, waited for; nullopt when none came within kDeadline. Fails
  /// the test when `done` runs more than once.
  static std::optional<bool> online(presence::PresenceDirectory& node, presence::Id user);
  static std::optional<bool> offline(presence::PresenceDirectory& node, presence::Id user, presence::Millis at = 0);

  PresenceCluster last_cluster_;
};

}  // namespace talkline::conformance

#define TALKLINE_INSTANTIATE_PRESENCE_CONFORMANCE(prefix, ...)                          \
  using ::talkline::conformance::PresenceConformance;                                   \
  INSTANTIATE_TEST_SUITE_P(prefix, PresenceConformance, ::testing::Values(__VA_ARGS__), \
                           ::talkline::conformance::presence_factory_name)
