#pragma once

// Builds frames the way a client sends them (RFC 6455 §5.2): always masked unless a
// test says otherwise, so the reader's unmasking is exercised by every case. A frame
// can also be built wrong on purpose (RSV bits, no mask, a longer length form than
// needed, a length that is not the payload's) to see the reader refuse it.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "transport/websocket/codec/frame.hpp"

namespace talkline::transport::websocket::client_frames {

/// How the payload length is written: the shortest form, or a forced 16/64-bit one.
enum class LengthForm : std::uint8_t { shortest, bits16, bits64 };

struct ClientFrame {
  std::uint8_t opcode = static_cast<std::uint8_t>(Opcode::text);  // raw, so unknown ones can be sent
  std::string payload;
  bool fin = true;
  LengthForm length_form = LengthForm::shortest;
  std::array<std::uint8_t, 4> mask_key = {0x37, 0xFA, 0x21, 0x3D};
  bool masked = true;
  std::uint8_t rsv = 0;  // the three bits after FIN, as 0..7
  /// A length to declare instead of the payload's own, for frames whose payload a test
  /// does not mean to send in full.
  std::optional<std::uint64_t> declared_length;
};

/// The frame's bytes on the wire.
inline std::string encode(const ClientFrame& frame) {
  std::string out;
  out += static_cast<char>((frame.fin ? 0x80 : 0) | ((frame.rsv & 0x7) << 4) | (frame.opcode & 0x0F));
  const std::uint64_t length = frame.declared_length.value_or(frame.payload.size());
  const std::uint8_t mask_bit = frame.masked ? 0x80 : 0;
  LengthForm form = frame.length_form;
  if (form == LengthForm::shortest)
    form = length < 126 ? form : length <= 0xFFFF ? LengthForm::bits16 : LengthForm::bits64;
  switch (form) {
    case LengthForm::shortest: out += static_cast<char>(mask_bit | length); break;
    case LengthForm::bits16:
      out += static_cast<char>(mask_bit | 126);
      out += static_cast<char>(length >> 8);
      out += static_cast<char>(length & 0xFF);
      break;
    case LengthForm::bits64:
      out += static_cast<char>(mask_bit | 127);
      for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((length >> shift) & 0xFF);
      break;
  }
  if (!frame.masked) return out + frame.payload;
  for (const std::uint8_t byte : frame.mask_key) out += static_cast<char>(byte);
  for (std::size_t i = 0; i < frame.payload.size(); ++i) {
    out += static_cast<char>(static_cast<std::uint8_t>(frame.payload[i]) ^ frame.mask_key[i % 4]);
  }
  return out;
}

inline ClientFrame frame(Opcode opcode, std::string_view payload, bool fin = true) {
  ClientFrame built;
  built.opcode = static_cast<std::uint8_t>(opcode);
  built.payload = std::string(payload);
  built.fin = fin;
  return built;
}

inline std::string text(std::string_view payload, bool fin = true) { return encode(frame(Opcode::text, payload, fin)); }
inline std::string binary(std::string_view payload, bool fin = true) {
  return encode(frame(Opcode::binary, payload, fin));
}
inline std::string continuation(std::string_view payload, bool fin) {
  return encode(frame(Opcode::continuation, payload, fin));
}
inline std::string ping(std::string_view payload = {}) { return encode(frame(Opcode::ping, payload)); }
inline std::string pong(std::string_view payload = {}) { return encode(frame(Opcode::pong, payload)); }
/// A close frame carrying exactly `payload` (use close_with for a code and reason).
inline std::string close_raw(std::string_view payload = {}) { return encode(frame(Opcode::close, payload)); }
inline std::string close_with(std::uint16_t code, std::string_view reason = {}) {
  std::string payload;
  payload += static_cast<char>(code >> 8);
  payload += static_cast<char>(code & 0xFF);
  payload += reason;
  return close_raw(payload);
}

}  // namespace talkline::transport::websocket::client_frames
