#pragma once

#include <chrono>
#include <cstddef>

#include "ratelimit/rate_limiter.hpp"

namespace talkline::realtime {

/// The chat gateway's limits and timings. Built from Config in one place
/// (app/realtime_wiring.cpp); their defaults live once, in config/config.hpp, so the
/// members here are only zero-initialised.
struct RealtimeOptions {
  int max_connections_per_user{};
  int max_connections_per_ip{};
  /// A connection from which no event arrives for this long is closed; zero: never.
  std::chrono::seconds idle_timeout{};
  /// How often live connections re-check that their login session is still valid.
  std::chrono::seconds revalidate_every{};
  /// Token bucket for message:send, per user.
  ratelimit::Limit send_limit{};
  /// `typing: true` from one connection is relayed at most this often per conversation.
  std::chrono::milliseconds typing_throttle{};
  /// A typing indicator not refreshed within this is withdrawn (`typing: false`).
  std::chrono::milliseconds typing_expiry{};
  /// Messages per page of catch-up and per `sync` answer.
  int sync_page_size{};
  /// Threads for the blocking work (store reads, cursor commits) behind socket events.
  int workers{};
  /// How long a live message that arrived ahead of a missing seq waits for it (from
  /// another node) before the missing ones are read from the store.
  std::chrono::milliseconds gap_fill_delay{};
  /// The per-connection send bound; catch-up keeps its queue under half of it.
  std::size_t send_buffer_bytes{};
};

}  // namespace talkline::realtime
