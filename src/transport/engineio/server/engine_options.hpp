#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "transport/engineio/codec/request.hpp"
#include "transport/http/message.hpp"

namespace talkline::transport::engineio {

/// For a server that is one node of several behind a balancer that is not sticky: a
/// long-polling request (or a WebSocket upgrade) may reach a node other than the one
/// holding its session, and is then forwarded to that node. See docs/HLD.md
/// "Long-polling across nodes".
struct ClusterRouting {
  /// This node's number, written into every session id it makes (engineio::make_sid).
  int this_node = 0;
  /// Finds where node `owner` listens ("host:port") and calls `done` with it, or with
  /// nullopt when no such node is known. Must not block; `done` may run on any thread.
  std::function<void(int owner, std::function<void(std::optional<std::string>)> done)> locate;
  /// Bound on reaching the owner; past it the request is answered "Session ID unknown"
  /// and the client starts a new session.
  std::chrono::milliseconds connect_timeout{2000};
};

/// Marks a request one node sent to another, so it is never forwarded twice.
inline constexpr std::string_view kForwardedHeader = "X-TalkLine-Forwarded";

/// Everything an Engine.IO server can be told. Defaults are the reference server's.
struct EngineOptions {
  /// How often the server pings, and how long it then waits for the pong before it
  /// gives the session up. Both are announced in the handshake.
  std::chrono::milliseconds ping_interval{25000};
  std::chrono::milliseconds ping_timeout{20000};
  /// Largest polling body and largest WebSocket message accepted, in bytes; announced.
  std::size_t max_payload = 1000000;
  /// How long a WebSocket that asked to take over a polling session may take to
  /// finish the probe and send `upgrade`.
  std::chrono::milliseconds upgrade_timeout{10000};
  /// Bound on the bytes queued for one session that the client has not taken yet.
  /// Past it the session is closed ("send buffer overflow"): one client that stops
  /// reading must not make the server hold an ever-growing backlog for it.
  std::size_t max_buffered_bytes = std::size_t{4} << 20;
  /// Sessions open at once; a handshake past this is answered `forbidden`.
  std::size_t max_sessions = 20000;
  bool allow_polling = true;
  bool allow_websocket = true;
  /// Asked about every handshake (after the protocol checks): an error refuses it,
  /// e.g. `forbidden` for an Origin outside the allowlist. Runs on an event loop.
  std::function<std::optional<RequestError>(const http::Request&)> allow_request;
  /// Set when this server is one node of a cluster.
  std::optional<ClusterRouting> cluster;
  /// The handshake headers a session keeps for the layers above (Session::handshake()),
  /// by name, case-insensitive; nullopt keeps them all. A browser sends a kilobyte or two
  /// of headers (cookies, user agent, languages) that would otherwise be held for as
  /// long as the connection lives.
  std::optional<std::vector<std::string>> kept_handshake_headers;
};

}  // namespace talkline::transport::engineio
