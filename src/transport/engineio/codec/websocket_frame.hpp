#pragma once

// Engine.IO v4 over WebSocket: one packet per frame, no payload framing.

#include <string>
#include <string_view>

#include "transport/engineio/codec/packet.hpp"
#include "util/result.hpp"

namespace talkline::transport::engineio {

/// How binary packets travel to a peer. Clients that cannot take binary frames ask
/// for base64 with `b64=…` in the query (HandshakeRequest::base64_binary).
enum class BinaryEncoding {
  raw_frames,   // a binary frame holding the bytes as they are
  base64_text,  // a text frame `b<base64>`
};

struct WsFrame {
  bool binary = false;  // the WebSocket opcode: binary (true) or text (false)
  std::string data;

  friend bool operator==(const WsFrame&, const WsFrame&) = default;
};

/// The frame for one packet: a text frame `<type digit><text>`, or for a binary
/// message a binary frame with the bytes alone (v4 puts no type byte in front of
/// them) — or, with `base64_text`, the text frame `b<base64>`.
WsFrame encode_ws(const Packet& packet, BinaryEncoding binary_encoding = BinaryEncoding::raw_frames);

/// Parses a text frame; the rules and errors are decode_packet_string's, so a
/// `b<base64>` frame from a base64-only client is a binary message.
Result<Packet> decode_ws_text(std::string_view frame);

/// A binary frame is always a whole binary message; every input, even an empty one,
/// decodes. Frame size limits belong to the WebSocket layer.
Result<Packet> decode_ws_binary(std::string_view frame);

}  // namespace talkline::transport::engineio
