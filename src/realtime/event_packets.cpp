#include "realtime/event_packets.hpp"

#include <string>

#include "util/json.hpp"

namespace talkline::realtime {

std::vector<transport::engineio::Packet> event_packets(std::string_view event, std::string_view payload_json) {
  std::string text;
  text.reserve(event.size() + payload_json.size() + 6);
  text.append("2[").append(util::dump_json(util::Json(event))).append(",").append(payload_json).append("]");
  std::vector<transport::engineio::Packet> packets;
  packets.push_back(transport::engineio::Packet::text(transport::engineio::PacketType::message, std::move(text)));
  return packets;
}

SharedPackets shared_event_packets(std::string_view event, std::string_view payload_json) {
  return std::make_shared<const std::vector<transport::engineio::Packet>>(event_packets(event, payload_json));
}

}  // namespace talkline::realtime
