#include "transport/socketio/codec/packet.hpp"

#include <cstddef>
#include <iterator>
#include <utility>
#include <vector>

#include "transport/socketio/codec/packet_rules.hpp"

namespace talkline::transport::socketio {
namespace {

// Binary values and placeholder look-alikes are the two things that must not sit in
// the wrong place of an outgoing payload; one walk finds both.
Result<void> check_values(const Json& value, bool binary_allowed) {
  if (value.is_binary()) {
    if (!binary_allowed) return detail::bad_packet("binary data is only allowed in EVENT and ACK payloads");
    return ok_result();
  }
  if (detail::looks_like_placeholder(value)) {
    return detail::bad_packet("an object with \"_placeholder\": true would be read as an attachment reference");
  }
  if (value.is_structured()) {
    for (const auto& child : value) TL_TRY(check_values(child, binary_allowed));
  }
  return ok_result();
}

}  // namespace

std::string_view packet_type_name(PacketType type) {
  switch (type) {
    case PacketType::connect: return "CONNECT";
    case PacketType::disconnect: return "DISCONNECT";
    case PacketType::event: return "EVENT";
    case PacketType::ack: return "ACK";
    case PacketType::connect_error: return "CONNECT_ERROR";
    case PacketType::binary_event: return "BINARY_EVENT";
    case PacketType::binary_ack: return "BINARY_ACK";
  }
  return "UNKNOWN";
}

Result<void> validate_packet(const Packet& packet) {
  if (!detail::is_known_type(packet.type)) return detail::bad_packet("unknown packet type");
  TL_TRY(detail::check_namespace(packet.nsp));
  TL_TRY(detail::check_ack_id(packet.type, packet.id));
  TL_TRY(detail::check_payload_shape(packet.type, packet.data));
  return check_values(packet.data, detail::is_event_type(packet.type) || detail::is_ack_type(packet.type));
}

Packet make_event(std::string nsp, std::string name, Json::array_t args, std::optional<std::uint64_t> ack_id) {
  Json::array_t data;
  data.reserve(args.size() + 1);
  data.emplace_back(std::move(name));
  data.insert(data.end(), std::make_move_iterator(args.begin()), std::make_move_iterator(args.end()));
  return Packet{PacketType::event, std::move(nsp), ack_id, Json(std::move(data))};
}

Packet make_ack(std::string nsp, std::uint64_t id, Json::array_t args) {
  return Packet{PacketType::ack, std::move(nsp), id, Json(std::move(args))};
}

Packet make_connect_ok(std::string nsp, std::string sid) {
  return Packet{PacketType::connect, std::move(nsp), std::nullopt, Json{{"sid", std::move(sid)}}};
}

Packet make_connect_error(std::string nsp, std::string message, std::optional<Json> data) {
  Json payload = Json::object();
  payload["message"] = std::move(message);
  if (data) payload["data"] = std::move(*data);
  return Packet{PacketType::connect_error, std::move(nsp), std::nullopt, std::move(payload)};
}

Packet make_disconnect(std::string nsp) { return Packet{PacketType::disconnect, std::move(nsp), std::nullopt, Json()}; }

Json make_binary(std::string_view bytes) {
  return Json::binary(Json::binary_t::container_type(bytes.begin(), bytes.end()));
}

std::optional<std::string_view> binary_bytes(const Json& value) {
  if (!value.is_binary()) return std::nullopt;
  const auto& bytes = value.get_binary();
  return std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

bool contains_binary(const Json& value) {
  if (value.is_binary()) return true;
  if (!value.is_structured()) return false;
  for (const auto& child : value) {
    if (contains_binary(child)) return true;
  }
  return false;
}

}  // namespace talkline::transport::socketio
