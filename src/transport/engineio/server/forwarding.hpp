#pragma once

// Requests for a session that another node holds: the polling requests and the
// WebSocket upgrade of a client whose balancer is not sticky. This node passes them to
// the owner and relays the answer, so the client never notices (docs/HLD.md
// "Long-polling across nodes").

#include <chrono>
#include <optional>
#include <string>

#include "transport/engineio/server/engine_options.hpp"
#include "transport/http/stream_handler.hpp"

namespace talkline::transport::engineio {

struct ForwardLimits {
  std::chrono::milliseconds connect_timeout{2000};
  /// How long the owner may take to answer: a long-polling GET is held until the next
  /// ping at the latest, so this is above the ping interval.
  std::chrono::milliseconds answer_timeout{30000};
  std::size_t max_answer_bytes = 1000000;
};

/// Asks `routing` where node `owner` is, without blocking the calling coroutine's thread.
boost::asio::awaitable<std::optional<std::string>> locate_owner(const ClusterRouting& routing, int owner);

/// Sends this polling request to `owner_address` and writes the owner's answer back.
/// nullopt when the owner could not be reached or did not answer (nothing has been
/// written to the client then): the caller answers as for an unknown session.
boost::asio::awaitable<std::optional<http::StreamOutcome>> forward_polling(http::StreamContext& context,
                                                                           const std::string& owner_address,
                                                                           const ForwardLimits& limits);

/// Connects to `owner_address`, passes this WebSocket upgrade request on, and from then
/// on relays bytes both ways until either side closes. nullopt when the owner could not
/// be reached (the connection is then still the caller's, to refuse).
boost::asio::awaitable<std::optional<http::StreamOutcome>> forward_websocket(http::StreamContext& context,
                                                                             const std::string& owner_address,
                                                                             const ForwardLimits& limits);

}  // namespace talkline::transport::engineio
