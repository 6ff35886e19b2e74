#pragma once

#include <string>
#include <vector>

#include "transport/socketio/codec/packet.hpp"

namespace talkline::transport::socketio {

/// One packet as it goes to Engine.IO: a text message, then one binary message per
/// attachment, in order.
struct EncodedPacket {
  /// `<type>[<attachments>-][<nsp>,][<id>][<json>]`, without Engine.IO's "4" prefix.
  std::string text;
  /// Bytes of each attachment; placeholder `num` N in `text` refers to attachments[N].
  std::vector<std::string> attachments;

  friend bool operator==(const EncodedPacket&, const EncodedPacket&) = default;
};

/// The wire form of `packet`.
///
/// An event or ack whose data holds binary values goes out as BINARY_EVENT /
/// BINARY_ACK: each binary value becomes `{"_placeholder":true,"num":N}`, numbered in
/// document order (object members in key order), and its bytes become attachments[N].
/// Without binary values it goes out as EVENT / ACK, whatever `packet.type` says.
/// The namespace is written only when it is not "/".
///
/// Precondition: validate_packet(packet) succeeds; debug builds assert it. Packets
/// from the Decoder and the make_* helpers (with a valid namespace and a name that
/// is not reserved) always qualify. Invalid UTF-8 in strings is replaced, not sent.
EncodedPacket encode(const Packet& packet);

}  // namespace talkline::transport::socketio
