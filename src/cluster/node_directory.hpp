#pragma once

// Which node is which in a cluster: each node holds a lease on a node number in Redis
// (so generated ids never collide) and publishes under it the address where the other
// nodes reach it (so they can forward a long-polling request to the session's owner).
// See docs/HLD.md "Node identity and forwarded long-polling".

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "redis/client.hpp"
#include "util/result.hpp"

namespace talkline::cluster {

struct NodeDirectoryOptions {
  /// Keys are `<prefix>node:<id>`; nodes of one cluster share the prefix.
  std::string key_prefix = "tl:";
  /// A number from configuration, or nullopt to lease a free one in [1, max_id].
  std::optional<int> fixed_id;
  int max_id = 1023;
  /// Without a renewal the registration vanishes after this long (a crashed node's
  /// number becomes free again). Renewed every third of it.
  std::chrono::milliseconds lease{15000};
  /// How long another node's address is trusted before it is read again.
  std::chrono::milliseconds address_cache{5000};
};

/// Threads: open() at start; advertise(), locate() and healthy() from any thread (locate
/// from the event loops). `done` and `on_lost` run on the directory's own thread, or
/// `done` on the caller's when answered from the cache.
class NodeDirectory {
 public:
  using Located = std::function<void(std::optional<std::string>)>;

  /// Registers this node: takes the configured number (replacing a stale registration
  /// of it, e.g. this node before a restart) or leases a free one. Blocks; call at
  /// start. Fails when Redis cannot be reached and the number would have to be leased,
  /// or when no number is free. `on_lost` is called (on the directory's thread) if
  /// another node is later found holding this node's number: ids could then collide,
  /// so the node should stop.
  static Result<std::unique_ptr<NodeDirectory>> open(const redis::Client& client, NodeDirectoryOptions options,
                                                     std::function<void()> on_lost);
  ~NodeDirectory();
  NodeDirectory(const NodeDirectory&) = delete;
  NodeDirectory& operator=(const NodeDirectory&) = delete;

  int node_id() const { return node_id_; }
  /// Publishes where this node listens ("host:port"), once it does.
  void advertise(std::string address);
  /// Calls `done` with node `id`'s address, or nullopt when no node holds that number.
  /// Never blocks: answered at once from the cache, else from the directory's thread.
  void locate(int id, Located done);
  /// False while Redis is unreachable.
  bool healthy() const { return link_->healthy(); }

 private:
  NodeDirectory(const redis::Client& client, NodeDirectoryOptions options, std::function<void()> on_lost);
  struct Cached {
    std::optional<std::string> address;
    std::chrono::steady_clock::time_point fetched;
  };

  Result<void> register_at_start();
  Result<void> take_configured(redis::Connection& link, int id);
  Result<void> lease_free(redis::Connection& link);
  void run();
  bool renew(redis::Connection& link);
  void answer_lookups(redis::Connection& link, std::vector<std::pair<int, Located>>& lookups);
  void answer_lookups_from_cache(std::vector<std::pair<int, Located>>& lookups);
  void release(redis::Connection& link);
  std::string key_of(int id) const;
  std::string value() const;

  const NodeDirectoryOptions options_;
  int node_id_ = 0;  // set by open(), before the thread starts
  const std::string token_;
  std::function<void()> on_lost_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::string address_;
  bool address_changed_ = false;
  std::deque<std::pair<int, Located>> lookups_;
  std::unordered_map<int, Cached> cache_;
  bool stopping_ = false;

  bool fresh_connection_ = false;  // the thread's own: register again at once
  std::unique_ptr<redis::Link> link_;
  std::thread thread_;
};

}  // namespace talkline::cluster
