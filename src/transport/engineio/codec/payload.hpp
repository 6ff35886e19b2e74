#pragma once

// Engine.IO v4 over HTTP long-polling: several packets in one request or response
// body, each in its string form (see packet.hpp), joined by the record separator.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "transport/engineio/codec/packet.hpp"
#include "util/result.hpp"

namespace talkline::transport::engineio {

inline constexpr char kRecordSeparator = '\x1e';

/// Joins the packets' string forms with '\x1e'; binary packets go as `b<base64>`
/// (v4 always uses base64 in payloads). Fails with `invalid_argument` when a text
/// packet contains '\x1e': v4 has no escape for it, and sending it would split the
/// packet in two on the other side. An empty list gives an empty body, which the
/// other side cannot decode — send at least one packet (a noop if nothing else).
Result<std::string> encode_payload(const std::vector<Packet>& packets);

/// Splits a body on '\x1e' and decodes every piece with decode_packet_string.
/// All or nothing: one bad piece fails the whole body, since the packets after it
/// could no longer be trusted to line up with what the client sent. Errors:
/// - `payload_too_large` when the body is longer than `max_payload` bytes (the
///   `maxPayload` announced in the handshake);
/// - `invalid_argument` for an empty body, and for an empty piece anywhere — a
///   leading, trailing or doubled separator — since no packet encodes to nothing;
/// - `invalid_argument` for any piece decode_packet_string rejects (unknown type,
///   bad base64 after 'b', text that is not UTF-8).
Result<std::vector<Packet>> decode_payload(std::string_view body, std::size_t max_payload);

}  // namespace talkline::transport::engineio
