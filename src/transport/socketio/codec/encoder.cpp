#include "transport/socketio/codec/encoder.hpp"

#include <cassert>
#include <cstdint>
#include <utility>

#include "transport/socketio/codec/packet_rules.hpp"

namespace talkline::transport::socketio {
namespace {

// A copy of `value` with every binary value replaced by a placeholder, the bytes going
// to `attachments`. Building a fresh tree (rather than copying, then editing) copies
// each attachment's bytes once.
Json strip_binary(const Json& value, std::vector<std::string>& attachments) {
  if (value.is_binary()) {
    const auto& bytes = value.get_binary();
    attachments.emplace_back(bytes.begin(), bytes.end());
    return detail::make_placeholder(attachments.size() - 1);
  }
  if (value.is_array()) {
    Json copy = Json::array();
    for (const auto& child : value) copy.push_back(strip_binary(child, attachments));
    return copy;
  }
  if (value.is_object()) {
    Json copy = Json::object();
    for (const auto& [key, child] : value.items()) copy[key] = strip_binary(child, attachments);
    return copy;
  }
  return value;
}

}  // namespace

EncodedPacket encode(const Packet& packet) {
  assert(validate_packet(packet).ok());

  EncodedPacket out;
  PacketType wire_type = detail::plain_form(packet.type);
  const Json* payload = &packet.data;
  Json stripped;
  if ((wire_type == PacketType::event || wire_type == PacketType::ack) && contains_binary(packet.data)) {
    stripped = strip_binary(packet.data, out.attachments);
    payload = &stripped;
    wire_type = wire_type == PacketType::event ? PacketType::binary_event : PacketType::binary_ack;
  }

  out.text.push_back(static_cast<char>('0' + static_cast<std::uint8_t>(wire_type)));
  if (wire_type == PacketType::binary_event || wire_type == PacketType::binary_ack) {
    out.text += std::to_string(out.attachments.size());
    out.text.push_back('-');
  }
  if (packet.nsp != "/") {
    out.text += packet.nsp;
    out.text.push_back(',');
  }
  if (packet.id) out.text += std::to_string(*packet.id);
  if (!payload->is_null()) out.text += util::dump_json(*payload);
  return out;
}

}  // namespace talkline::transport::socketio
