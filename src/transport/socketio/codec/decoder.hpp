#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "transport/socketio/codec/packet.hpp"
#include "util/result.hpp"

namespace talkline::transport::socketio {

struct DecoderOptions {
  /// Most attachments one binary packet may announce; socket.io-parser defaults to 10
  /// as well. Bounds what a client can make us buffer per packet to this many
  /// Engine.IO messages.
  std::size_t max_attachments = 10;
  /// Longest namespace accepted, in bytes.
  std::size_t max_namespace_length = 256;
  /// Deepest nesting of arrays and objects in a payload; also bounds the recursion of
  /// everything that later walks a decoded payload.
  int max_depth = 32;
};

/// Turns the Engine.IO messages of one connection back into Socket.IO packets.
///
/// A BINARY_EVENT or BINARY_ACK text message announces N attachments; the next N
/// binary messages are its attachments, and only then is the packet complete: its
/// placeholders are replaced by binary values (see packet.hpp) and it is returned as
/// an event or ack. Every other packet is complete at once.
///
/// Any error means the peer broke the protocol and the connection must be closed:
/// there is no way to resynchronise. (The decoder itself is left idle and usable.)
/// Errors are `invalid_argument` with a message naming the rule. No input makes it
/// throw or recurse deeper than max_depth.
class Decoder {
 public:
  explicit Decoder(DecoderOptions options = {});

  /// Feeds one text message (without Engine.IO's "4"). Returns the packet when it is
  /// complete, nullopt when it waits for attachments. Besides validate_packet's rules
  /// (which every returned packet satisfies), errors for:
  /// - a text message while attachments are still expected;
  /// - an empty message or a type outside '0'–'6';
  /// - on types 5 and 6, an attachment count that is missing, not followed by '-',
  ///   has leading zeros or exceeds max_attachments;
  /// - a namespace longer than max_namespace_length (it starts at a '/' right after
  ///   the type/count and ends at the first ',' or at the end of the message);
  /// - an ack id with leading zeros or more than 16 digits;
  /// - a payload that is not exactly one JSON value (NUL bytes, a byte-order mark and
  ///   a written `null` included), or that nests deeper than max_depth;
  /// - in a binary packet: a placeholder that is not exactly {"_placeholder":true,
  ///   "num":N} with N a non-negative integer below the announced count, two
  ///   placeholders with the same N, or an attachment no placeholder refers to;
  /// - in any other packet: an object with "_placeholder": true.
  Result<std::optional<Packet>> feed_text(std::string_view text);

  /// Feeds one binary message: the next attachment of the pending binary packet.
  /// Returns the packet once its last attachment arrives. Error when no attachment is
  /// expected. Attachment bytes are not interpreted (any length, including none).
  Result<std::optional<Packet>> feed_binary(std::string_view bytes);

  /// Attachments the pending packet still waits for; 0 when idle.
  std::size_t pending_attachments() const;

  /// Drops a partly received binary packet, e.g. when the connection closes.
  void reset();

 private:
  DecoderOptions options_;
  std::optional<Packet> pending_;
  std::size_t expected_attachments_ = 0;
  std::vector<Json::binary_t::container_type> attachments_;
};

}  // namespace talkline::transport::socketio
