#pragma once

// The Socket.IO v5 packet as the rest of the server sees it.
//
// Binary data lives inside `data` as nlohmann binary values (make_binary /
// binary_bytes), wherever the application put it. The `{"_placeholder":true,"num":N}`
// objects and the attachment frames that follow a BINARY_EVENT or BINARY_ACK are a
// wire detail known only to the encoder and decoder in this directory: the encoder
// swaps binary values for placeholders, the decoder swaps them back. So forwarding a
// received event with binary arguments is just `encode(packet)`.
//
// Everything here is a pure function over values: no I/O, no Asio, so a libFuzzer
// target can drive it directly (tests/fuzz/fuzz_socketio.cpp).

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/json.hpp"
#include "util/result.hpp"

namespace talkline::transport::socketio {

using Json = util::Json;

/// The wire value of each type is its digit: CONNECT is '0', BINARY_ACK is '6'.
enum class PacketType : std::uint8_t {
  connect = 0,
  disconnect = 1,
  event = 2,
  ack = 3,
  connect_error = 4,
  binary_event = 5,
  binary_ack = 6,
};

/// Protocol name ("CONNECT", "BINARY_EVENT", …), for logs and error messages.
std::string_view packet_type_name(PacketType type);

/// Largest ack id accepted or produced: 2^53 - 1, the largest integer a JavaScript
/// peer holds exactly (Number.MAX_SAFE_INTEGER). At most 16 decimal digits. Clients
/// count up from 0, so a real session never comes near it.
inline constexpr std::uint64_t kMaxAckId = (std::uint64_t{1} << 53) - 1;

/// Event names the reference implementation keeps for its own emitters; a packet
/// using one is refused in both directions, because the peer would drop or misread it.
inline constexpr std::array<std::string_view, 6> kReservedEventNames = {
    "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener",
};

/// One Socket.IO packet.
///
/// Packets from the Decoder always have type connect, disconnect, event, ack or
/// connect_error: a BINARY_EVENT arrives as an `event` whose data holds binary values
/// (likewise BINARY_ACK as `ack`). The encoder picks the binary wire type from the
/// data, so binary_event/binary_ack given here are treated as event/ack.
struct Packet {
  PacketType type = PacketType::connect;
  /// Starts with '/'; "/" is the main namespace.
  std::string nsp = "/";
  /// Ack id, 0..kMaxAckId. Only event (optional) and ack (required) carry one.
  std::optional<std::uint64_t> id;
  /// The payload; null means "no payload". No packet type may carry a JSON null, so
  /// nothing is lost (the reference encoder skips null the same way).
  Json data;

  friend bool operator==(const Packet&, const Packet&) = default;
};

/// Checks that a packet can be encoded unambiguously and that a conforming peer will
/// accept it. Errors (all `invalid_argument`, message naming the rule):
/// - type outside 0–6;
/// - nsp empty, not starting with '/', containing ',' or a control character, or not UTF-8;
/// - an id on connect, disconnect or connect_error; no id on ack; an id above kMaxAckId;
/// - data of the wrong shape: connect takes an object or nothing, disconnect nothing,
///   connect_error an object, event a non-empty array whose first element is a string
///   not in kReservedEventNames, ack an array;
/// - binary values anywhere but in event/ack data;
/// - an object with `"_placeholder": true` anywhere: the peer would take it for an
///   attachment reference.
Result<void> validate_packet(const Packet& packet);

/// `socket.emit(name, ...args)` in namespace `nsp`, asking for an ack when `ack_id` is set.
Packet make_event(std::string nsp, std::string name, Json::array_t args = {},
                  std::optional<std::uint64_t> ack_id = std::nullopt);
/// The answer to an event that carried `id`.
Packet make_ack(std::string nsp, std::uint64_t id, Json::array_t args = {});
/// Accepts a namespace connection: CONNECT with `{"sid": sid}`.
Packet make_connect_ok(std::string nsp, std::string sid);
/// Refuses a namespace connection: CONNECT_ERROR with `{"message": ..., "data": ...}`;
/// "data" is present only when given (a given null is sent as null).
Packet make_connect_error(std::string nsp, std::string message, std::optional<Json> data = std::nullopt);
/// Ends the client's membership of `nsp`.
Packet make_disconnect(std::string nsp);

/// A JSON value holding `bytes`, to be sent as an attachment.
Json make_binary(std::string_view bytes);
/// The bytes of a binary value; nullopt for any other JSON value. The view lives as
/// long as the value is neither modified nor destroyed.
std::optional<std::string_view> binary_bytes(const Json& value);
/// True when any binary value is nested anywhere inside `value` (or is `value`).
bool contains_binary(const Json& value);

}  // namespace talkline::transport::socketio
