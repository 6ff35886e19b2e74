#pragma once

// The Engine.IO v4 packet and its one-string form, shared by both transports.
// Everything in this directory is a pure function over bytes: no I/O, no Asio, so
// a libFuzzer target can drive it directly (tests/fuzz/fuzz_engineio.cpp).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "util/result.hpp"
#include "util/shared_bytes.hpp"

namespace talkline::transport::engineio {

/// The wire value of each type is its digit: open is '0', noop is '6'.
enum class PacketType : std::uint8_t {
  open = 0,
  close = 1,
  ping = 2,
  pong = 3,
  message = 4,
  upgrade = 5,
  noop = 6,
};

/// Lower-case protocol name ("open", "message", …), for logs.
std::string_view packet_type_name(PacketType type);
/// The type whose digit is `c`; nullopt for anything outside '0'–'6'.
std::optional<PacketType> packet_type_from_char(char c);
char packet_type_char(PacketType type);

/// One Engine.IO packet: a type and either text or binary data.
///
/// v4 has no way to write a binary packet of any type other than message (a binary
/// WebSocket frame and a `b…` record both mean "binary message"), so the only binary
/// constructor takes no type and a packet that could not be encoded cannot be built.
///
/// The data is immutable and shared: copying a packet (to queue one event for many
/// sessions) copies a reference, never the bytes.
class Packet {
 public:
  /// A text packet. `data` should be UTF-8: the decoders guarantee it, the encoders
  /// do not check it.
  static Packet text(PacketType type, std::string data = {});
  static Packet text(PacketType type, util::SharedBytes data);
  /// A binary message; any bytes, including none.
  static Packet binary(std::string bytes);

  PacketType type() const { return type_; }
  bool is_binary() const { return binary_; }
  /// The text, or the raw bytes of a binary packet.
  const std::string& data() const { return data_.str(); }
  /// The same bytes, for a queue that keeps them without copying.
  const util::SharedBytes& shared_data() const { return data_; }

  friend bool operator==(const Packet&, const Packet&) = default;

 private:
  Packet(PacketType type, util::SharedBytes data, bool binary) : type_(type), binary_(binary), data_(std::move(data)) {}

  PacketType type_;
  bool binary_;
  util::SharedBytes data_;
};

/// The string form of one packet, as it appears inside a polling payload and in a
/// WebSocket text frame: `<type digit><text>` for text, `b<base64>` for binary.
std::string encode_packet_string(const Packet& packet);

/// Parses the string form of one packet. Errors (all `invalid_argument`):
/// - empty input: v4 has no empty packet;
/// - a first character that is neither '0'–'6' nor 'b';
/// - after 'b', text that is not strict base64 (util::base64_decode: padded or
///   unpadded, no whitespace, no stray '=', no non-zero trailing bits);
/// - text data that is not valid UTF-8 (util::utf8_valid), since the protocol
///   carries text as UTF-8 and the layers above parse it as JSON.
/// The data of a text packet is not interpreted: an `open` with garbage JSON, or a
/// `ping` carrying text, decodes fine and is for the session to judge.
Result<Packet> decode_packet_string(std::string_view text);

}  // namespace talkline::transport::engineio
