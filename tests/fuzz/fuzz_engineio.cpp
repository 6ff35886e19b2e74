// libFuzzer target for the Engine.IO codec. Every decoder reads bytes straight from
// a client, so no input may crash it; and whatever it accepts must survive being
// encoded and decoded again unchanged, or the server would relay something other
// than what the client sent.
//
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
//     tests/fuzz/fuzz_engineio.cpp src/transport/engineio/codec/*.cpp \
//     src/util/crypto.cpp src/util/json.cpp src/util/error.cpp src/util/utf8.cpp \
//     -lcrypto -o /tmp/feio && /tmp/feio -max_total_time=30

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <variant>
#include <vector>

#include "transport/engineio/codec/handshake.hpp"
#include "transport/engineio/codec/payload.hpp"
#include "transport/engineio/codec/request.hpp"
#include "transport/engineio/codec/websocket_frame.hpp"
#include "util/json.hpp"

using namespace talkline;
using namespace talkline::transport::engineio;

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_engineio: %s\n", what);
  std::abort();
}

Result<Packet> decode_frame(const WsFrame& frame) {
  return frame.binary ? decode_ws_binary(frame.data) : decode_ws_text(frame.data);
}

// A packet that decoded once must come back identical through every framing that
// can carry it. Only a payload may refuse, and only for text holding '\x1e'.
void check_packet_round_trips(const Packet& packet) {
  for (const auto encoding : {BinaryEncoding::raw_frames, BinaryEncoding::base64_text}) {
    const WsFrame frame = encode_ws(packet, encoding);
    if (frame.binary != (packet.is_binary() && encoding == BinaryEncoding::raw_frames)) fail("wrong frame opcode");
    auto again = decode_frame(frame);
    if (!again.ok() || *again != packet) fail("websocket round trip changed the packet");
  }

  auto body = encode_payload({packet});
  const bool has_separator = !packet.is_binary() && packet.data().find(kRecordSeparator) != std::string::npos;
  if (body.ok() == has_separator) fail("encode_payload accepted or refused the wrong packet");
  if (!body.ok()) return;
  auto again = decode_payload(*body, body->size());
  if (!again.ok() || again->size() != 1 || again->front() != packet) fail("payload round trip changed the packet");
}

void check_payload(std::string_view input) {
  auto packets = decode_payload(input, input.size());
  if (!input.empty()) {
    auto limited = decode_payload(input, input.size() - 1);
    if (limited.ok() || limited.error().code != ErrorCode::payload_too_large) fail("max_payload not enforced");
  }
  if (!packets.ok()) return;
  if (packets->empty()) fail("decode_payload accepted a body with no packets");

  // Pieces of a payload cannot hold the separator, so re-encoding must succeed.
  auto body = encode_payload(*packets);
  if (!body.ok()) fail("decoded payload does not re-encode");
  auto again = decode_payload(*body, body->size());
  if (!again.ok() || *again != *packets) fail("payload round trip changed the packets");
  for (const Packet& packet : *packets) check_packet_round_trips(packet);
}

void check_websocket(std::string_view input) {
  if (auto packet = decode_ws_text(input); packet.ok()) check_packet_round_trips(*packet);

  auto binary = decode_ws_binary(input);
  if (!binary.ok()) fail("decode_ws_binary refused a frame");
  if (!binary->is_binary() || binary->type() != PacketType::message || binary->data() != input) {
    fail("decode_ws_binary altered the frame");
  }
  check_packet_round_trips(*binary);
}

void check_request_query(std::string_view input) {
  struct Call {
    std::string_view method;
    bool upgrade;
  };
  for (const Call call : {Call{"GET", false}, Call{"POST", false}, Call{"GET", true}}) {
    const RequestCheck check = check_request(input, call.method, call.upgrade);
    if (const auto* request = std::get_if<HandshakeRequest>(&check)) {
      if (!request->is_handshake() && !is_well_formed_sid(request->sid)) fail("accepted a malformed sid");
      // A cluster node reads the owning node out of any sid a client sends.
      if (!request->is_handshake()) {
        const int owner = sid_owner(request->sid);
        if (owner < 0 || owner > kMaxSidOwner) fail("sid owner out of range");
      }
      if ((request->transport == Transport::websocket) != call.upgrade) fail("accepted a transport mismatch");
      continue;
    }
    const auto& error = std::get<RequestError>(check);
    if (error.code == RequestErrorCode::forbidden || error.http_status != 400) fail("unexpected error status");
    const auto body = util::Json::parse(render_error_body(error), nullptr, false);
    if (body.is_discarded() || body.value("code", -1) != static_cast<int>(error.code)) fail("bad error body");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_payload(input);
  check_websocket(input);
  check_request_query(input);
  return 0;
}
