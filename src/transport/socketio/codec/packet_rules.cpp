#include "transport/socketio/codec/packet_rules.hpp"

#include <algorithm>
#include <utility>

#include "util/utf8.hpp"

namespace talkline::transport::socketio::detail {

Error bad_packet(std::string message) {
  return Error{ErrorCode::invalid_argument, "socket.io packet: " + std::move(message), {}, 0};
}

bool is_known_type(PacketType type) { return static_cast<std::uint8_t>(type) <= 6; }

bool is_event_type(PacketType type) { return type == PacketType::event || type == PacketType::binary_event; }

bool is_ack_type(PacketType type) { return type == PacketType::ack || type == PacketType::binary_ack; }

PacketType plain_form(PacketType type) {
  if (type == PacketType::binary_event) return PacketType::event;
  if (type == PacketType::binary_ack) return PacketType::ack;
  return type;
}

Result<void> check_namespace(std::string_view nsp) {
  if (nsp.empty() || nsp.front() != '/') return bad_packet("namespace must start with '/'");
  if (nsp.find(',') != std::string_view::npos) return bad_packet("namespace must not contain ','");
  if (!util::utf8_valid(nsp)) return bad_packet("namespace is not valid UTF-8");
  if (util::has_control_characters(nsp, /*allow_newline_and_tab=*/false)) {
    return bad_packet("namespace must not contain control characters");
  }
  return ok_result();
}

Result<void> check_ack_id(PacketType type, std::optional<std::uint64_t> id) {
  if (is_ack_type(type) && !id) return bad_packet(std::string(packet_type_name(type)) + " needs an ack id");
  if (!is_ack_type(type) && !is_event_type(type) && id) {
    return bad_packet(std::string(packet_type_name(type)) + " must not carry an ack id");
  }
  if (id && *id > kMaxAckId) return bad_packet("ack id is larger than 2^53-1");
  return ok_result();
}

Result<void> check_payload_shape(PacketType type, const Json& data) {
  const std::string name(packet_type_name(type));
  switch (type) {
    case PacketType::connect:
      if (!data.is_null() && !data.is_object()) return bad_packet("CONNECT payload must be an object");
      return ok_result();
    case PacketType::disconnect:
      if (!data.is_null()) return bad_packet("DISCONNECT must not carry a payload");
      return ok_result();
    case PacketType::connect_error:
      // v5 sends an object; the plain string of v4 is not accepted.
      if (!data.is_object()) return bad_packet("CONNECT_ERROR payload must be an object");
      return ok_result();
    case PacketType::event:
    case PacketType::binary_event: {
      if (!data.is_array() || data.empty()) return bad_packet(name + " payload must be a non-empty array");
      const Json& event_name = data.front();
      if (!event_name.is_string()) return bad_packet(name + " name (first element) must be a string");
      const auto& text = event_name.get_ref<const std::string&>();
      if (std::find(kReservedEventNames.begin(), kReservedEventNames.end(), text) != kReservedEventNames.end()) {
        return bad_packet("event name \"" + text + "\" is reserved");
      }
      return ok_result();
    }
    case PacketType::ack:
    case PacketType::binary_ack:
      if (!data.is_array()) return bad_packet(name + " payload must be an array");
      return ok_result();
  }
  return bad_packet("unknown packet type");
}

bool looks_like_placeholder(const Json& value) {
  if (!value.is_object()) return false;
  const auto it = value.find("_placeholder");
  return it != value.end() && it->is_boolean() && it->get<bool>();
}

Json make_placeholder(std::size_t index) { return Json{{"_placeholder", true}, {"num", index}}; }

}  // namespace talkline::transport::socketio::detail
