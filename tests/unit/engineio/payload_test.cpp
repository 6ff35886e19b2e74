#include "transport/engineio/codec/payload.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

namespace talkline::transport::engineio {
namespace {

constexpr std::size_t kMax = 1000000;

// Joins pieces with the record separator. Writing "\x1e" inside a literal would
// swallow a hex digit that follows it ("\x1e4" is a single character).
std::string joined(std::initializer_list<std::string_view> pieces) {
  std::string out;
  bool first = true;
  for (const std::string_view piece : pieces) {
    if (!first) out.push_back(kRecordSeparator);
    first = false;
    out.append(piece);
  }
  return out;
}

std::vector<Packet> decode_ok(std::string_view body) {
  auto decoded = decode_payload(body, kMax);
  EXPECT_TRUE(decoded.ok()) << (decoded.ok() ? "" : decoded.error().message);
  return decoded.ok() ? *decoded : std::vector<Packet>{};
}

std::string encode_ok(const std::vector<Packet>& packets) {
  auto encoded = encode_payload(packets);
  EXPECT_TRUE(encoded.ok());
  return encoded.ok() ? *encoded : std::string{};
}

void expect_invalid(std::string_view body) {
  auto decoded = decode_payload(body, kMax);
  ASSERT_FALSE(decoded.ok()) << "accepted: " << body;
  EXPECT_EQ(decoded.error().code, ErrorCode::invalid_argument);
}

const std::string kOneToFour("\x01\x02\x03\x04", 4);

TEST(EngineIoPayload, EncodesTheSpecExamples) {
  EXPECT_EQ(encode_ok({Packet::text(PacketType::message, "hello"), Packet::text(PacketType::ping),
                       Packet::text(PacketType::message, "world")}),
            joined({"4hello", "2", "4world"}));
  EXPECT_EQ(encode_ok({Packet::text(PacketType::message, "\xe2\x82\xac"), Packet::binary(kOneToFour)}),
            joined({"4\xe2\x82\xac", "bAQIDBA=="}));
}

TEST(EngineIoPayload, DecodesTheComplianceSuiteBodies) {
  EXPECT_EQ(decode_ok("4hello"), std::vector<Packet>{Packet::text(PacketType::message, "hello")});
  EXPECT_EQ(decode_ok(joined({"4test1", "4test2", "4test3"})),
            (std::vector<Packet>{Packet::text(PacketType::message, "test1"), Packet::text(PacketType::message, "test2"),
                                 Packet::text(PacketType::message, "test3")}));
  EXPECT_EQ(decode_ok(joined({"4hello", "bAQIDBA=="})),
            (std::vector<Packet>{Packet::text(PacketType::message, "hello"), Packet::binary(kOneToFour)}));
  EXPECT_EQ(decode_ok("3"), std::vector<Packet>{Packet::text(PacketType::pong)});
  EXPECT_EQ(decode_ok("1"), std::vector<Packet>{Packet::text(PacketType::close)});
}

TEST(EngineIoPayload, EveryTypeAndBinaryRoundTripTogether) {
  std::string every_byte;
  for (int i = 0; i < 256; ++i) every_byte.push_back(static_cast<char>(i));
  const std::vector<Packet> packets = {
      Packet::text(PacketType::open, "{\"sid\":\"x\"}"),
      Packet::text(PacketType::close),
      Packet::text(PacketType::ping, "probe"),
      Packet::text(PacketType::pong, "probe"),
      Packet::text(PacketType::message, "2[\"chat\",{\"text\":\"h\xc3\xa9\"}]"),
      Packet::binary(every_byte),
      Packet::binary(""),
      Packet::text(PacketType::message),
      Packet::text(PacketType::upgrade),
      Packet::text(PacketType::noop),
  };
  EXPECT_EQ(decode_ok(encode_ok(packets)), packets);
}

TEST(EngineIoPayload, BodyOfExactlyMaxPayloadIsAccepted) {
  const std::string body = "4" + std::string(99, 'x');
  auto decoded = decode_payload(body, body.size());
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->size(), 1U);
}

TEST(EngineIoPayload, BodyOverMaxPayloadIsTooLarge) {
  const std::string body = "4" + std::string(100, 'x');
  auto decoded = decode_payload(body, body.size() - 1);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, ErrorCode::payload_too_large);
}

TEST(EngineIoPayload, LimitIsCheckedBeforeContent) {
  auto decoded = decode_payload("garbage that is long", 5);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, ErrorCode::payload_too_large);
}

TEST(EngineIoPayload, RejectsEmptyBody) { expect_invalid(""); }

TEST(EngineIoPayload, RejectsLeadingSeparator) { expect_invalid(joined({"", "4a"})); }

TEST(EngineIoPayload, RejectsTrailingSeparator) { expect_invalid(joined({"4a", ""})); }

TEST(EngineIoPayload, RejectsDoubledSeparator) { expect_invalid(joined({"4a", "", "4b"})); }

TEST(EngineIoPayload, RejectsLoneSeparator) { expect_invalid(joined({"", ""})); }

TEST(EngineIoPayload, RejectsUnknownPacketType) {
  expect_invalid("abc");  // the compliance suite's "invalid packet format"
  expect_invalid(joined({"4ok", "9no"}));
}

TEST(EngineIoPayload, RejectsBadBase64) {
  expect_invalid("bAQIDBA=");
  expect_invalid(joined({"4ok", "b%%%%"}));
}

TEST(EngineIoPayload, RejectsTextThatIsNotUtf8) { expect_invalid(joined({"4ok", "4\xc3\x28"})); }

// The grammar lets every type carry data, so a v3 length prefix such as "6:" reads as
// a noop with data; v3 clients are turned away at the handshake instead (EIO=3).
TEST(EngineIoPayload, DataOnAnyTypeIsKeptForTheSessionToJudge) {
  EXPECT_EQ(decode_ok("6:4hello"), std::vector<Packet>{Packet::text(PacketType::noop, ":4hello")});
}

TEST(EngineIoPayload, OneBadPacketFailsTheWholeBody) {
  EXPECT_FALSE(decode_payload(joined({"4first", "x"}), kMax).ok());
}

TEST(EngineIoPayload, EncodingRefusesTextContainingTheSeparator) {
  auto encoded = encode_payload({Packet::text(PacketType::message, joined({"a", "4b"}))});
  ASSERT_FALSE(encoded.ok());
  EXPECT_EQ(encoded.error().code, ErrorCode::invalid_argument);
}

TEST(EngineIoPayload, BinaryNeverContainsTheSeparatorOnceEncoded) {
  const Packet packet = Packet::binary(std::string(10, kRecordSeparator));
  const std::string body = encode_ok({packet});
  EXPECT_EQ(body.find(kRecordSeparator), std::string::npos);
  EXPECT_EQ(decode_ok(body), std::vector<Packet>{packet});
}

}  // namespace
}  // namespace talkline::transport::engineio
