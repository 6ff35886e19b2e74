#pragma once

// The bytes of a bus::Envelope on a Redis channel: a version byte, the origin node,
// the fixed-width numbers, then length-prefixed strings and the user ids. Binary
// rather than JSON so that the payload (already JSON) travels without re-escaping.
// Free of hiredis and Asio, so its fuzz target links only this.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bus/bus.hpp"

namespace talkline::bus::redis {

/// An envelope as read off the wire, with the node that published it.
struct WireEnvelope {
  std::uint64_t origin = 0;
  Envelope envelope;
};

/// Version 1: u8 1 · u64 origin · i64 conversation_id · i64 seq · i64 end_session_id ·
/// (u32 length, bytes) event, skip_connection, payload_json · u32 count, i64 user ids.
/// All integers little-endian. With `with_users` false the user list is written empty
/// (a per-user channel already names the user).
std::string encode_envelope(const Envelope& envelope, std::uint64_t origin, bool with_users = true);

/// The envelope encoded in `bytes`, or nullopt when they are not exactly one valid
/// encoding (unknown version, truncated, trailing bytes, a length past the end).
std::optional<WireEnvelope> decode_envelope(std::string_view bytes);

}  // namespace talkline::bus::redis
