// libFuzzer target: the Socket.IO packet decoder, and encode/decode agreement on
// everything it accepts.
//
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -I src tests/fuzz/fuzz_socketio.cpp \
//     src/transport/socketio/codec/*.cpp src/util/json.cpp src/util/error.cpp src/util/utf8.cpp -o fuzz_socketio
//
// The input is a sequence of Engine.IO messages separated by 0x1E (the polling
// record separator, so a dictionary-free fuzzer still stumbles on it). The first is a
// text message; each later one is binary, unless it starts with 0x02, which marks a
// text message (marker dropped) so that "text while attachments are pending" and
// several packets per connection get explored too.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "transport/socketio/codec/decoder.hpp"
#include "transport/socketio/codec/encoder.hpp"
#include "transport/socketio/codec/packet.hpp"
#include "util/utf8.hpp"

namespace {

using talkline::transport::socketio::Decoder;
using talkline::transport::socketio::EncodedPacket;
using talkline::transport::socketio::Packet;

constexpr char kSeparator = '\x1e';
constexpr char kTextMarker = '\x02';

// A fresh decoder must read `encoded` back as exactly one packet, complete on the
// last message and not before.
Packet decode_again(const EncodedPacket& encoded) {
  Decoder decoder;
  auto result = decoder.feed_text(encoded.text);
  if (!result.ok()) std::abort();
  for (const auto& attachment : encoded.attachments) {
    if (result.value().has_value()) std::abort();
    result = decoder.feed_binary(attachment);
    if (!result.ok()) std::abort();
  }
  if (!result.value().has_value()) std::abort();
  if (decoder.pending_attachments() != 0) std::abort();
  return std::move(*result.value());
}

void check_round_trip(const Packet& packet) {
  // What the decoder hands out is what the encoder may be given.
  if (!talkline::transport::socketio::validate_packet(packet).ok()) std::abort();
  if (packet.type == talkline::transport::socketio::PacketType::binary_event ||
      packet.type == talkline::transport::socketio::PacketType::binary_ack) {
    std::abort();
  }
  const EncodedPacket encoded = talkline::transport::socketio::encode(packet);
  if (!talkline::util::utf8_valid(encoded.text)) std::abort();
  const Packet again = decode_again(encoded);
  if (!(again == packet)) std::abort();
  // The encoded form is canonical: encoding the copy gives the same messages.
  if (!(talkline::transport::socketio::encode(again) == encoded)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);

  std::vector<std::string_view> messages;
  while (true) {
    const std::size_t cut = input.find(kSeparator);
    messages.push_back(input.substr(0, cut));
    if (cut == std::string_view::npos) break;
    input.remove_prefix(cut + 1);
  }

  Decoder decoder;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    std::string_view message = messages[i];
    const bool text = i == 0 || (!message.empty() && message.front() == kTextMarker);
    if (i > 0 && text) message.remove_prefix(1);
    const auto result = text ? decoder.feed_text(message) : decoder.feed_binary(message);
    if (!result.ok()) {
      // Any error leaves the decoder idle; the session would close the connection.
      if (decoder.pending_attachments() != 0) std::abort();
      continue;
    }
    if (result.value().has_value()) check_round_trip(*result.value());
  }
  return 0;
}
