#include "transport/socketio/codec/packet.hpp"

#include <gtest/gtest.h>

#include <string>

#include "unit/socketio/test_support.hpp"

namespace talkline::transport::socketio {
namespace {

using test::json;

void expect_invalid(const Packet& packet, std::string_view rule) {
  const auto result = validate_packet(packet);
  ASSERT_FALSE(result.ok()) << rule;
  EXPECT_EQ(result.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(result.error().message.find(rule), std::string::npos) << result.error().message;
}

TEST(SocketioPacket, TypeNamesAreTheProtocolNames) {
  EXPECT_EQ(packet_type_name(PacketType::connect), "CONNECT");
  EXPECT_EQ(packet_type_name(PacketType::connect_error), "CONNECT_ERROR");
  EXPECT_EQ(packet_type_name(PacketType::binary_ack), "BINARY_ACK");
  EXPECT_EQ(packet_type_name(static_cast<PacketType>(9)), "UNKNOWN");
}

TEST(SocketioPacket, MaxAckIdIsJavascriptsLargestSafeInteger) { EXPECT_EQ(kMaxAckId, 9007199254740991u); }

TEST(SocketioPacket, BinaryHelpersRoundTripBytes) {
  const std::string raw("\0\x01\xff", 3);
  const Json value = make_binary(raw);
  EXPECT_TRUE(value.is_binary());
  EXPECT_EQ(binary_bytes(value), raw);
  EXPECT_EQ(binary_bytes(Json("text")), std::nullopt);
  EXPECT_TRUE(contains_binary(Json::array({1, Json{{"deep", Json::array({value})}}})));
  EXPECT_FALSE(contains_binary(json(R"([1,{"a":"b"}])")));
}

TEST(SocketioPacket, RejectsUnknownType) {
  Packet packet = make_disconnect("/");
  packet.type = static_cast<PacketType>(7);
  expect_invalid(packet, "unknown packet type");
}

TEST(SocketioPacket, RejectsBadNamespaces) {
  expect_invalid(make_disconnect(""), "must start with '/'");
  expect_invalid(make_disconnect("admin"), "must start with '/'");
  expect_invalid(make_disconnect("/a,b"), "must not contain ','");
  expect_invalid(make_disconnect("/a\nb"), "control characters");
  expect_invalid(make_disconnect("/\xc3"), "not valid UTF-8");
  EXPECT_TRUE(validate_packet(make_disconnect("/caf\xc3\xa9 room")).ok());
}

TEST(SocketioPacket, RejectsAckIdWhereTheTypeForbidsOrNeedsIt) {
  Packet connect = make_connect_ok("/", "sid");
  connect.id = 1;
  expect_invalid(connect, "CONNECT must not carry an ack id");
  Packet ack = make_ack("/", 1);
  ack.id.reset();
  expect_invalid(ack, "ACK needs an ack id");
  expect_invalid(make_ack("/", kMaxAckId + 1), "larger than 2^53-1");
  expect_invalid(make_event("/", "a", {}, kMaxAckId + 1), "larger than 2^53-1");
}

TEST(SocketioPacket, RejectsWrongPayloadShapes) {
  Packet connect = make_connect_ok("/", "sid");
  connect.data = Json::array();
  expect_invalid(connect, "CONNECT payload must be an object");
  Packet disconnect = make_disconnect("/");
  disconnect.data = Json::object();
  expect_invalid(disconnect, "DISCONNECT must not carry a payload");
  Packet error = make_connect_error("/", "x");
  error.data = "plain string";
  expect_invalid(error, "CONNECT_ERROR payload must be an object");
  Packet event = make_event("/", "a");
  event.data = Json::array();
  expect_invalid(event, "non-empty array");
  event.data = Json::array({1});
  expect_invalid(event, "must be a string");
  Packet ack = make_ack("/", 1);
  ack.data = nullptr;
  expect_invalid(ack, "ACK payload must be an array");
}

TEST(SocketioPacket, RejectsReservedEventNamesOnTheWayOutToo) {
  for (const auto name : kReservedEventNames) expect_invalid(make_event("/", std::string(name)), "is reserved");
}

TEST(SocketioPacket, RejectsBinaryOutsideEventsAndAcks) {
  Packet connect = make_connect_ok("/", "sid");
  connect.data["blob"] = make_binary("x");
  expect_invalid(connect, "binary data is only allowed in EVENT and ACK payloads");
  expect_invalid(make_connect_error("/", "x", make_binary("y")), "binary data is only allowed");
  EXPECT_TRUE(validate_packet(make_event("/", "a", {make_binary("x")})).ok());
  EXPECT_TRUE(validate_packet(make_ack("/", 1, {Json{{"k", make_binary("x")}}})).ok());
}

TEST(SocketioPacket, RejectsPlaceholderLookalikesThatAPeerWouldMisread) {
  expect_invalid(make_event("/", "a", {json(R"({"_placeholder":true,"num":0})")}), "attachment reference");
  expect_invalid(make_ack("/", 1, {json(R"([{"_placeholder":true}])")}), "attachment reference");
  EXPECT_TRUE(validate_packet(make_event("/", "a", {json(R"({"_placeholder":"true"})")})).ok());
}

}  // namespace
}  // namespace talkline::transport::socketio
