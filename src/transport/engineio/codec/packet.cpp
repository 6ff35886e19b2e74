#include "transport/engineio/codec/packet.hpp"

#include "util/crypto.hpp"
#include "util/utf8.hpp"

namespace talkline::transport::engineio {
namespace {

constexpr char kBinaryPrefix = 'b';

Error malformed(std::string message) { return Error{ErrorCode::invalid_argument, std::move(message), {}, 0}; }

}  // namespace

std::string_view packet_type_name(PacketType type) {
  switch (type) {
    case PacketType::open: return "open";
    case PacketType::close: return "close";
    case PacketType::ping: return "ping";
    case PacketType::pong: return "pong";
    case PacketType::message: return "message";
    case PacketType::upgrade: return "upgrade";
    case PacketType::noop: return "noop";
  }
  return "unknown";
}

std::optional<PacketType> packet_type_from_char(char c) {
  if (c < '0' || c > '6') return std::nullopt;
  return static_cast<PacketType>(c - '0');
}

char packet_type_char(PacketType type) { return static_cast<char>('0' + static_cast<int>(type)); }

Packet Packet::text(PacketType type, std::string data) {
  return Packet(type, util::SharedBytes(std::move(data)), false);
}

Packet Packet::text(PacketType type, util::SharedBytes data) { return Packet(type, std::move(data), false); }

Packet Packet::binary(std::string bytes) {
  return Packet(PacketType::message, util::SharedBytes(std::move(bytes)), true);
}

std::string encode_packet_string(const Packet& packet) {
  if (packet.is_binary()) return kBinaryPrefix + util::base64_encode(packet.data());
  std::string out;
  out.reserve(packet.data().size() + 1);
  out.push_back(packet_type_char(packet.type()));
  out.append(packet.data());
  return out;
}

Result<Packet> decode_packet_string(std::string_view text) {
  if (text.empty()) return malformed("engine.io: empty packet");
  const char head = text.front();
  text.remove_prefix(1);

  if (head == kBinaryPrefix) {
    auto bytes = util::base64_decode(text);
    if (!bytes) return malformed("engine.io: binary packet is not valid base64");
    return Packet::binary(std::move(*bytes));
  }
  const auto type = packet_type_from_char(head);
  if (!type) return malformed("engine.io: unknown packet type");
  if (!util::utf8_valid(text)) return malformed("engine.io: packet text is not valid UTF-8");
  return Packet::text(*type, std::string(text));
}

}  // namespace talkline::transport::engineio
