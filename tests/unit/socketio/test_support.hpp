#pragma once

// Shared by the Socket.IO codec tests: readable failure output and one-call decoding.

#include <initializer_list>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "transport/socketio/codec/decoder.hpp"
#include "transport/socketio/codec/encoder.hpp"
#include "transport/socketio/codec/packet.hpp"

namespace talkline::transport::socketio {

// GoogleTest finds these by argument-dependent lookup when an expectation fails.
inline void PrintTo(const Packet& packet, std::ostream* os) {
  *os << packet_type_name(packet.type) << " nsp=" << packet.nsp;
  if (packet.id) *os << " id=" << *packet.id;
  *os << " data=" << packet.data.dump();
}

inline void PrintTo(const EncodedPacket& encoded, std::ostream* os) {
  *os << encoded.text << " + " << encoded.attachments.size() << " attachment(s)";
}

namespace test {

inline std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (const int v : values) out.push_back(static_cast<char>(v));
  return out;
}

inline Json json(std::string_view text) { return Json::parse(text); }

// Feeds a text message and its attachments to a fresh decoder with `options`; the
// result of the last feed, or the first error.
inline Result<std::optional<Packet>> decode(std::string_view text, const std::vector<std::string>& attachments = {},
                                            DecoderOptions options = {}) {
  Decoder decoder(options);
  auto result = decoder.feed_text(text);
  for (const auto& attachment : attachments) {
    if (!result.ok()) return result;
    result = decoder.feed_binary(attachment);
  }
  return result;
}

}  // namespace test
}  // namespace talkline::transport::socketio
