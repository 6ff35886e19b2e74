#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "presence/presence_directory.hpp"
#include "redis/client.hpp"

namespace talkline::presence::redis {

struct RedisPresenceOptions {
  /// Keys are `<prefix>p:...`. Nodes of one cluster share it; tests pick a fresh one to
  /// stay apart on one server.
  std::string key_prefix = "tl:";
  /// An entry not refreshed for this long is dead: its users go offline. Entries are
  /// refreshed every ttl/3.
  std::chrono::milliseconds ttl{30000};
  /// How often this node looks for expired entries of other nodes.
  std::chrono::milliseconds sweep_interval{1000};
  /// Users per script call in heartbeats, queries and reconciliation.
  std::size_t users_per_call = 500;
};

/// The presence directory of a node among several, in Redis (docs/HLD.md "Presence
/// across nodes", docs/decisions.md D12).
///
/// One thread of its own with one redis::Link applies this node's changes in the order
/// they were made (one Lua script each, pipelined), refreshes every held user every
/// ttl/3, and sweeps expired entries of dead nodes every sweep_interval. While Redis is
/// unreachable, calls are answered at once from this node's counts and remembered; each
/// new connection loads the scripts, adds every held user again and removes every user
/// let go meanwhile before it counts as up.
///
/// Threads: node_online(), node_offline() and offline_among() from any thread (the
/// gateway's loops and pool, the offline notifier); `done` and the expired / restored
/// handlers run on the directory's thread, or on the caller's when answered by a guess.
///
/// Destroying it leaves this node's remaining entries to expire, as a crash would. (On
/// a clean stop the server closes every socket first, so the gateway has let go of
/// every user by then.)
class RedisPresenceDirectory final : public PresenceDirectory {
 public:
  RedisPresenceDirectory(const talkline::redis::Client& client, RedisPresenceOptions options);
  ~RedisPresenceDirectory() override;
  RedisPresenceDirectory(const RedisPresenceDirectory&) = delete;
  RedisPresenceDirectory& operator=(const RedisPresenceDirectory&) = delete;

  void node_online(Id user, Done done) override;
  void node_offline(Id user, Millis at, Done done) override;
  std::vector<Id> offline_among(const std::vector<Id>& users) override;
  void on_expired(ExpiredHandler handler) override;
  void on_restored(RestoredHandler handler) override;
  bool healthy() const override;

  /// Waits until connected and reconciled (at start, and in tests); true when it is.
  bool wait_until_healthy(std::chrono::milliseconds timeout) const;
  /// This node's member in the user sets (random per instance).
  const std::string& node_token() const { return node_; }

 private:
  struct Change {
    Id user = 0;
    bool online = false;
    Millis at = 0;
    Done done;
  };
  struct Query {
    std::vector<Id> users;
    std::promise<std::vector<bool>> online;  // one flag per user
  };
  struct Batch {
    std::vector<Change> changes;
    std::vector<std::shared_ptr<Query>> queries;
  };
  using Connection = talkline::redis::Connection;

  void run();
  bool connected(Connection& connection);
  bool load_scripts(Connection& connection);
  bool reconcile(Connection& connection);
  void session(Connection& connection);
  void lost(Batch unanswered);
  bool apply(Connection& connection, Batch& batch);
  bool heartbeat(Connection& connection);
  bool sweep(Connection& connection);
  bool refresh(Connection& connection, const std::vector<Id>& users, std::vector<Id>& lost);
  void disconnected(Batch unanswered);
  void answer_guesses(Batch& batch);
  void report_restored(const std::vector<Id>& lost, const std::unordered_set<Id>& announced);
  std::string user_key(Id user) const;
  std::vector<Id> offline_here(const std::vector<Id>& users);

  const RedisPresenceOptions options_;
  const std::string node_;
  const std::string user_prefix_;  // <prefix>p:
  const std::string seen_prefix_;  // <prefix>p:seen:
  const std::string expiry_key_;   // <prefix>p:expiry

  // Shared with callers; guarded by mutex_.
  mutable std::mutex mutex_;
  std::condition_variable work_;
  std::unordered_map<Id, int> held_;  // this node's connections per user
  bool connected_ = false;            // changes are queued for Redis (else answered by guess)
  Batch queue_;
  /// Users whose Redis entry is not known to match held_ (changed while disconnected,
  /// or in flight when the connection broke); the value is when they were let go.
  std::unordered_map<Id, Millis> dirty_;
  /// Users announced online by a guess while disconnected: finding them lost at
  /// reconciliation is no news.
  std::unordered_set<Id> guessed_online_;
  ExpiredHandler expired_handler_;
  RestoredHandler restored_handler_;

  // The worker thread's own state.
  std::unordered_set<Id> confirmed_;  // users whose entry this node holds in Redis
  std::string online_sha_, offline_sha_, heartbeat_sha_, sweep_sha_, query_sha_;

  std::atomic<bool> stopping_{false};
  std::unique_ptr<talkline::redis::Link> link_;
  std::thread worker_;
};

}  // namespace talkline::presence::redis
