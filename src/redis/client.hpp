#pragma once

// The node's Redis client: one endpoint, one set of timeouts and one backoff for every
// Redis user, each of which runs on a Link it makes here; and one report of all those
// links for /metrics. Built once, from Config, in app/redis_wiring.cpp.
//
// Threads: link() and report() may be called from any thread. A Client is a handle:
// copies share the report, and links keep what they need, so either may go first.

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "redis/connection.hpp"
#include "redis/endpoint.hpp"
#include "redis/link.hpp"

namespace talkline::redis {

/// No defaults of their own: built from Config, where the defaults live.
struct ClientOptions {
  Endpoint endpoint;
  ConnectOptions connect;
  /// Reconnects wait min_backoff after a loss, doubling per failed attempt up to max_backoff.
  std::chrono::milliseconds min_backoff{};
  std::chrono::milliseconds max_backoff{};
};

class Client {
 public:
  /// Links of one role, summed (several event-log consumers share a role).
  struct RoleReport {
    std::string role;
    std::size_t links = 0;
    std::size_t up = 0;
    std::uint64_t reconnects = 0;
  };

  explicit Client(ClientOptions options);

  std::unique_ptr<Link> link(LinkSettings settings) const;
  /// Every live link, by role (sorted by role).
  std::vector<RoleReport> report() const;
  const ClientOptions& options() const { return options_; }

 private:
  struct Links {
    std::mutex mutex;
    std::vector<std::weak_ptr<const LinkCounters>> live;
  };
  ClientOptions options_;
  std::shared_ptr<Links> links_;
};

}  // namespace talkline::redis
