#include "transport/websocket/codec/frame.hpp"

namespace talkline::transport::websocket {

bool close_code_allowed(std::uint16_t code) {
  // 1004 is reserved; 1005, 1006 and 1015 stand for "no code" and must never be sent.
  if (code >= 1000 && code <= 1003) return true;
  if (code >= 1007 && code <= 1014) return true;
  return code >= 3000 && code <= 4999;
}

std::size_t write_header(Opcode opcode, std::uint64_t payload_size, std::array<std::uint8_t, kMaxHeaderBytes>& out) {
  out[0] = static_cast<std::uint8_t>(0x80 | static_cast<std::uint8_t>(opcode));  // FIN, no extension bits
  if (payload_size < 126) {
    out[1] = static_cast<std::uint8_t>(payload_size);
    return 2;
  }
  if (payload_size <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<std::uint8_t>(payload_size >> 8);
    out[3] = static_cast<std::uint8_t>(payload_size);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<std::uint8_t>(payload_size >> (56 - 8 * i));
  return 10;
}

std::string close_payload(std::uint16_t code, std::string_view reason) {
  std::size_t room = kMaxControlPayload - 2;
  if (reason.size() > room) {
    // Back up to the start of a character: a continuation byte is 10xxxxxx.
    while (room > 0 && (static_cast<unsigned char>(reason[room]) & 0xC0) == 0x80) --room;
    reason = reason.substr(0, room);
  }
  std::string payload;
  payload.reserve(2 + reason.size());
  payload += static_cast<char>(code >> 8);
  payload += static_cast<char>(code & 0xFF);
  payload += reason;
  return payload;
}

}  // namespace talkline::transport::websocket
