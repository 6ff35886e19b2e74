#include "transport/engineio/codec/websocket_frame.hpp"

#include <gtest/gtest.h>

#include <string>

namespace talkline::transport::engineio {
namespace {

constexpr PacketType kAllTypes[] = {PacketType::open,    PacketType::close,   PacketType::ping, PacketType::pong,
                                    PacketType::message, PacketType::upgrade, PacketType::noop};

std::string every_byte_value() {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  return bytes;
}

Packet decode_frame(const WsFrame& frame) {
  auto decoded = frame.binary ? decode_ws_binary(frame.data) : decode_ws_text(frame.data);
  EXPECT_TRUE(decoded.ok());
  return decoded.ok() ? *decoded : Packet::text(PacketType::noop, "<decode failed>");
}

TEST(EngineIoWebSocket, TextPacketsAreTextFramesWithTypeDigit) {
  EXPECT_EQ(encode_ws(Packet::text(PacketType::message, "hello")), (WsFrame{false, "4hello"}));
  EXPECT_EQ(encode_ws(Packet::text(PacketType::ping, "probe")), (WsFrame{false, "2probe"}));
  EXPECT_EQ(encode_ws(Packet::text(PacketType::ping)), (WsFrame{false, "2"}));
}

TEST(EngineIoWebSocket, BinaryMessagesAreBinaryFramesWithoutTypeByte) {
  EXPECT_EQ(encode_ws(Packet::binary(std::string("\x01\x02\x03\x04", 4))),
            (WsFrame{true, std::string("\x01\x02\x03\x04", 4)}));
}

TEST(EngineIoWebSocket, Base64ClientsGetBinaryAsBPrefixedText) {
  EXPECT_EQ(encode_ws(Packet::binary(std::string("\x01\x02\x03\x04", 4)), BinaryEncoding::base64_text),
            (WsFrame{false, "bAQIDBA=="}));
  EXPECT_EQ(encode_ws(Packet::text(PacketType::message, "hi"), BinaryEncoding::base64_text), (WsFrame{false, "4hi"}));
}

TEST(EngineIoWebSocket, EveryTypeRoundTrips) {
  for (const PacketType type : kAllTypes) {
    for (const std::string data : {"", "probe", "{\"a\":[1,2]}", "\xf0\x9f\x98\x80 \x1e"}) {
      const Packet packet = Packet::text(type, data);
      EXPECT_EQ(decode_frame(encode_ws(packet)), packet) << packet_type_name(type);
    }
  }
}

TEST(EngineIoWebSocket, BinaryWithEveryByteValueRoundTripsInBothEncodings) {
  const Packet packet = Packet::binary(every_byte_value());
  EXPECT_EQ(decode_frame(encode_ws(packet, BinaryEncoding::raw_frames)), packet);
  EXPECT_EQ(decode_frame(encode_ws(packet, BinaryEncoding::base64_text)), packet);
}

TEST(EngineIoWebSocket, EmptyBinaryFrameIsAnEmptyBinaryMessage) {
  auto decoded = decode_ws_binary("");
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, Packet::binary(""));
}

TEST(EngineIoWebSocket, BinaryFrameThatLooksLikeATypedPacketStaysBinary) {
  auto decoded = decode_ws_binary("4hello");
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, Packet::binary("4hello"));
}

TEST(EngineIoWebSocket, RejectsEmptyTextFrame) { EXPECT_FALSE(decode_ws_text("").ok()); }

TEST(EngineIoWebSocket, RejectsUnknownTypeInTextFrame) {
  // The compliance suite sends "abc" and expects the session to close.
  EXPECT_FALSE(decode_ws_text("abc").ok());
}

TEST(EngineIoWebSocket, RejectsBadBase64InTextFrame) { EXPECT_FALSE(decode_ws_text("b@@@@").ok()); }

TEST(EngineIoWebSocket, RejectsInvalidUtf8InTextFrame) { EXPECT_FALSE(decode_ws_text("4\xfe").ok()); }

}  // namespace
}  // namespace talkline::transport::engineio
