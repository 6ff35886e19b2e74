#include "transport/engineio/codec/payload.hpp"

namespace talkline::transport::engineio {

Result<std::string> encode_payload(const std::vector<Packet>& packets) {
  std::string out;
  for (std::size_t i = 0; i < packets.size(); ++i) {
    const Packet& packet = packets[i];
    if (!packet.is_binary() && packet.data().find(kRecordSeparator) != std::string::npos) {
      return Error{ErrorCode::invalid_argument, "engine.io: text packet contains the record separator", {}, 0};
    }
    if (i > 0) out.push_back(kRecordSeparator);
    out.append(encode_packet_string(packet));
  }
  return out;
}

Result<std::vector<Packet>> decode_payload(std::string_view body, std::size_t max_payload) {
  if (body.size() > max_payload) {
    return Error{ErrorCode::payload_too_large, "engine.io: payload exceeds maxPayload", {}, 0};
  }
  if (body.empty()) return Error{ErrorCode::invalid_argument, "engine.io: empty payload", {}, 0};

  std::vector<Packet> packets;
  while (true) {
    const auto separator = body.find(kRecordSeparator);
    TL_TRY_ASSIGN(Packet packet, decode_packet_string(body.substr(0, separator)));
    packets.push_back(std::move(packet));
    if (separator == std::string_view::npos) break;
    body.remove_prefix(separator + 1);
  }
  return packets;
}

}  // namespace talkline::transport::engineio
