#pragma once

// Rules shared by validate_packet, the encoder and the decoder, so that what we accept
// from a client and what we allow ourselves to send are judged by the same code.
// Internal to the codec: the rest of the server uses packet.hpp.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "transport/socketio/codec/packet.hpp"
#include "util/error.hpp"
#include "util/result.hpp"

namespace talkline::transport::socketio::detail {

/// The error every rule reports: `invalid_argument`, so the session closes the connection.
Error bad_packet(std::string message);

/// Type digit in range 0–6.
bool is_known_type(PacketType type);
/// event or binary_event.
bool is_event_type(PacketType type);
/// ack or binary_ack.
bool is_ack_type(PacketType type);
/// event for binary_event, ack for binary_ack, any other type unchanged.
PacketType plain_form(PacketType type);

/// Non-empty, starts with '/', no ',' (it ends the namespace on the wire), UTF-8
/// without control characters. Length is the caller's business.
Result<void> check_namespace(std::string_view nsp);
/// Only events and acks carry an id; acks always do; never above kMaxAckId.
Result<void> check_ack_id(PacketType type, std::optional<std::uint64_t> id);
/// The payload shape each type allows (null data means no payload). Binary types
/// follow their plain form. Placeholders and binary values are not looked at here.
Result<void> check_payload_shape(PacketType type, const Json& data);

/// True for what a reference decoder treats as an attachment reference: any object
/// whose "_placeholder" member is the boolean true, whatever else it holds.
bool looks_like_placeholder(const Json& value);
/// The placeholder for attachment `index`, exactly as the reference encoder writes it.
Json make_placeholder(std::size_t index);

}  // namespace talkline::transport::socketio::detail
