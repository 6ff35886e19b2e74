#pragma once

#include <chrono>
#include <cstddef>

#include "ratelimit/rate_limiter.hpp"

namespace talkline::realtime {

/// The chat gateway's limits and timings (TALKLINE_* keys; see config.hpp).
struct RealtimeOptions {
  int max_connections_per_user = 20;
  int max_connections_per_ip = 500;
  /// A connection from which no event arrives for this long is closed; zero: never.
  std::chrono::seconds idle_timeout{3600};
  /// How often live connections re-check that their login session is still valid.
  std::chrono::seconds revalidate_every{5};
  /// Token bucket for message:send, per user.
  ratelimit::Limit send_limit{40, 20};
  /// `typing: true` from one connection is relayed at most this often per conversation.
  std::chrono::milliseconds typing_throttle{1000};
  /// A typing indicator not refreshed within this is withdrawn (`typing: false`).
  std::chrono::milliseconds typing_expiry{5000};
  /// Messages per page of catch-up and per `sync` answer.
  int sync_page_size = 100;
  /// Threads for the blocking work (store calls) behind socket events.
  int workers = 8;
  /// How long a live message that arrived ahead of a missing seq waits for it (from
  /// another node) before the missing ones are read from the store.
  std::chrono::milliseconds gap_fill_delay{200};
  /// The per-connection send bound; catch-up pauses while half of it is queued.
  std::size_t send_buffer_bytes = std::size_t{1} << 20;
};

}  // namespace talkline::realtime
