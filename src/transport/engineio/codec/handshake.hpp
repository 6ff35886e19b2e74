#pragma once

// The server's side of the Engine.IO v4 handshake: the `open` packet and session ids.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "transport/engineio/codec/packet.hpp"

namespace talkline::transport::engineio {

/// What the server announces in its `open` packet.
struct HandshakeInfo {
  std::string sid;
  /// Transports the client may upgrade to: {"websocket"} on a polling handshake,
  /// empty on a WebSocket one (there is nothing better to move to).
  std::vector<std::string> upgrades;
  std::uint32_t ping_interval_ms = 25000;
  std::uint32_t ping_timeout_ms = 20000;
  /// Largest polling body, in bytes, the server accepts; clients batch up to it.
  std::size_t max_payload = 1000000;
};

/// The `open` packet: a text packet whose data is the JSON object with the keys in
/// the order the spec shows them,
/// `{"sid":"…","upgrades":[…],"pingInterval":N,"pingTimeout":N,"maxPayload":N}`.
/// Encode it with encode_ws or encode_payload like any other packet.
Packet encode_open(const HandshakeInfo& info);

inline constexpr std::size_t kSidLength = 20;

/// A new session id: 20 base64url characters from 15 bytes of the OS CSPRNG, so
/// 120 bits that cannot be guessed and, in practice, never repeat. The caller
/// registering it may still refuse a duplicate; this function keeps no state.
std::string make_sid();

/// Largest owner a session id can name (two base64url characters).
inline constexpr int kMaxSidOwner = 4095;

/// A session id that also names the node holding the session (`owner` in [0,
/// kMaxSidOwner]) in its first two characters, so any node of a cluster can tell
/// where to forward a request for it. The other 18 characters are random (108 bits).
std::string make_sid(int owner);

/// The owner make_sid(int) put into `sid` (meaningful only for such sids).
int sid_owner(std::string_view sid);

/// True for something make_sid could have produced: exactly 20 characters of
/// [A-Za-z0-9_-]. Anything else cannot name a session of ours.
bool is_well_formed_sid(std::string_view sid);

}  // namespace talkline::transport::engineio
