#include "transport/engineio/codec/websocket_frame.hpp"

namespace talkline::transport::engineio {

WsFrame encode_ws(const Packet& packet, BinaryEncoding binary_encoding) {
  if (packet.is_binary() && binary_encoding == BinaryEncoding::raw_frames) return WsFrame{true, packet.data()};
  return WsFrame{false, encode_packet_string(packet)};
}

Result<Packet> decode_ws_text(std::string_view frame) { return decode_packet_string(frame); }

Result<Packet> decode_ws_binary(std::string_view frame) { return Packet::binary(std::string(frame)); }

}  // namespace talkline::transport::engineio
