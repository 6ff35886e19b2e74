#include "transport/engineio/codec/packet.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace talkline::transport::engineio {
namespace {

constexpr PacketType kAllTypes[] = {PacketType::open,    PacketType::close,   PacketType::ping, PacketType::pong,
                                    PacketType::message, PacketType::upgrade, PacketType::noop};

TEST(EngineIoPacket, TypeDigitsMatchTheSpec) {
  EXPECT_EQ(packet_type_char(PacketType::open), '0');
  EXPECT_EQ(packet_type_char(PacketType::close), '1');
  EXPECT_EQ(packet_type_char(PacketType::ping), '2');
  EXPECT_EQ(packet_type_char(PacketType::pong), '3');
  EXPECT_EQ(packet_type_char(PacketType::message), '4');
  EXPECT_EQ(packet_type_char(PacketType::upgrade), '5');
  EXPECT_EQ(packet_type_char(PacketType::noop), '6');
  for (const PacketType type : kAllTypes) EXPECT_EQ(packet_type_from_char(packet_type_char(type)), type);
  EXPECT_FALSE(packet_type_from_char('7'));
  EXPECT_FALSE(packet_type_from_char('/'));
  EXPECT_EQ(packet_type_name(PacketType::message), "message");
}

TEST(EngineIoPacket, BinaryPacketsAreAlwaysMessages) {
  const Packet packet = Packet::binary(std::string("\x01\x02", 2));
  EXPECT_TRUE(packet.is_binary());
  EXPECT_EQ(packet.type(), PacketType::message);
}

TEST(EngineIoPacket, TextAndBinaryWithTheSameBytesDiffer) {
  EXPECT_NE(Packet::text(PacketType::message, "abc"), Packet::binary("abc"));
}

TEST(EngineIoPacket, CopiesOfAPacketShareItsBytes) {
  const Packet original = Packet::text(PacketType::message, std::string(200, 'm'));
  const std::vector<Packet> queued(3, original);  // what three sessions' queues hold
  for (const auto& packet : queued) EXPECT_EQ(packet.data().data(), original.data().data());
  EXPECT_EQ(original.shared_data().use_count(), 4);
}

TEST(EngineIoPacket, APacketOfSharedBytesEncodesLikeOneOfAString) {
  const util::SharedBytes bytes(std::string("2[\"message:new\",{}]"));
  const Packet shared = Packet::text(PacketType::message, bytes);
  EXPECT_EQ(shared.data().data(), bytes.data());
  EXPECT_EQ(shared, Packet::text(PacketType::message, "2[\"message:new\",{}]"));
  EXPECT_EQ(encode_packet_string(shared), "42[\"message:new\",{}]");
}

TEST(EngineIoPacket, StringFormOfTextIsTypeDigitThenData) {
  EXPECT_EQ(encode_packet_string(Packet::text(PacketType::ping, "probe")), "2probe");
  EXPECT_EQ(encode_packet_string(Packet::text(PacketType::upgrade)), "5");
}

TEST(EngineIoPacket, StringFormOfBinaryIsBPrefixedBase64) {
  EXPECT_EQ(encode_packet_string(Packet::binary(std::string("\x01\x02\x03\x04", 4))), "bAQIDBA==");
  EXPECT_EQ(encode_packet_string(Packet::binary("")), "b");
}

TEST(EngineIoPacket, DecodesEveryTypeWithAndWithoutData) {
  for (const PacketType type : kAllTypes) {
    for (const std::string data : {"", "x", "hello \xe2\x82\xac"}) {
      const Packet packet = Packet::text(type, data);
      auto decoded = decode_packet_string(encode_packet_string(packet));
      ASSERT_TRUE(decoded.ok()) << packet_type_name(type);
      EXPECT_EQ(*decoded, packet);
    }
  }
}

TEST(EngineIoPacket, TextThatStartsWithBIsStillText) {
  auto decoded = decode_packet_string("4bAQID");
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, Packet::text(PacketType::message, "bAQID"));
}

TEST(EngineIoPacket, AcceptsUnpaddedBase64) {
  auto decoded = decode_packet_string("bAQIDBA");
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, Packet::binary(std::string("\x01\x02\x03\x04", 4)));
}

TEST(EngineIoPacket, RejectsEmptyInput) {
  auto decoded = decode_packet_string("");
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, ErrorCode::invalid_argument);
}

TEST(EngineIoPacket, RejectsUnknownTypeCharacters) {
  using namespace std::string_view_literals;
  for (const std::string_view text : {"7"sv, "9hello"sv, "abc"sv, "/"sv, "x4"sv, " 4"sv, "\0"sv}) {
    EXPECT_FALSE(decode_packet_string(text).ok()) << text;
  }
}

TEST(EngineIoPacket, RejectsBadBase64) {
  for (const std::string text : {"b!!!!", "bAQIDBA=", "bA", "bAQ=D", "bAQ ID", "bAR==", "b====", "bAQIDBA==="}) {
    auto decoded = decode_packet_string(text);
    ASSERT_FALSE(decoded.ok()) << text;
    EXPECT_EQ(decoded.error().code, ErrorCode::invalid_argument);
  }
}

TEST(EngineIoPacket, RejectsTextThatIsNotUtf8) {
  for (const std::string text : {"4\xff", "4\xc3", "4\xed\xa0\x80", "4\xc0\xaf", "2probe\x80"}) {
    EXPECT_FALSE(decode_packet_string(text).ok());
  }
}

TEST(EngineIoPacket, V3StyleTypedBase64IsRejected) {
  // v3 wrote "b4<base64>"; here "4AQIDBA==" is not base64 of any length.
  EXPECT_FALSE(decode_packet_string("b4AQIDBA==").ok());
}

}  // namespace
}  // namespace talkline::transport::engineio
