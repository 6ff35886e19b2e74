// Every packet string in the Socket.IO v5 specification (socketio/socket.io-protocol,
// "Packet encoding" and "Sample session") and in its compliance test-suite decodes to
// the packet the specification describes and encodes back to the same string.

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "unit/socketio/test_support.hpp"

namespace talkline::transport::socketio {
namespace {

using test::bytes;
using test::json;

struct Example {
  std::string text;
  std::vector<std::string> attachments;
  Packet packet;
};

Packet packet(PacketType type, std::string nsp, std::optional<std::uint64_t> id, Json data) {
  return Packet{type, std::move(nsp), id, std::move(data)};
}

std::vector<Example> spec_examples() {
  const std::string four = bytes({1, 2, 3, 4});
  return {
      // connection to a namespace
      {"0", {}, packet(PacketType::connect, "/", std::nullopt, nullptr)},
      {R"(0{"sid":"wZX3oN0bSVIhsaknAAAI"})",
       {},
       packet(PacketType::connect, "/", std::nullopt, json(R"({"sid":"wZX3oN0bSVIhsaknAAAI"})"))},
      {"0/admin,", {}, packet(PacketType::connect, "/admin", std::nullopt, nullptr)},
      {R"(0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"})",
       {},
       packet(PacketType::connect, "/admin", std::nullopt, json(R"({"sid":"oSO0OpakMV_3jnilAAAA"})"))},
      {R"(4{"message":"Not authorized"})",
       {},
       packet(PacketType::connect_error, "/", std::nullopt, json(R"({"message":"Not authorized"})"))},
      // sending and receiving data
      {R"(2["foo"])", {}, packet(PacketType::event, "/", std::nullopt, json(R"(["foo"])"))},
      {R"(2/admin,["bar"])", {}, packet(PacketType::event, "/admin", std::nullopt, json(R"(["bar"])"))},
      {R"(51-["baz",{"_placeholder":true,"num":0}])",
       {four},
       packet(PacketType::event, "/", std::nullopt, Json::array({"baz", make_binary(four)}))},
      {R"(52-/admin,["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])",
       {bytes({1, 2}), bytes({3, 4})},
       packet(PacketType::event, "/admin", std::nullopt,
              Json::array({"baz", make_binary(bytes({1, 2})), make_binary(bytes({3, 4}))}))},
      // acknowledgement
      {R"(212["foo"])", {}, packet(PacketType::event, "/", 12, json(R"(["foo"])"))},
      {"312[]", {}, packet(PacketType::ack, "/", 12, Json::array())},
      {R"(2/admin,13["foo"])", {}, packet(PacketType::event, "/admin", 13, json(R"(["foo"])"))},
      {R"(3/admin,13["bar"])", {}, packet(PacketType::ack, "/admin", 13, json(R"(["bar"])"))},
      {R"(51-14["foo",{"_placeholder":true,"num":0}])",
       {four},
       packet(PacketType::event, "/", 14, Json::array({"foo", make_binary(four)}))},
      {R"(314["bar"])", {}, packet(PacketType::ack, "/", 14, json(R"(["bar"])"))},
      {R"(215["foo"])", {}, packet(PacketType::event, "/", 15, json(R"(["foo"])"))},
      {R"(61-15["bar",{"_placeholder":true,"num":0}])",
       {four},
       packet(PacketType::ack, "/", 15, Json::array({"bar", make_binary(four)}))},
      // disconnection from a namespace
      {"1", {}, packet(PacketType::disconnect, "/", std::nullopt, nullptr)},
      {"1/admin,", {}, packet(PacketType::disconnect, "/admin", std::nullopt, nullptr)},
      // sample session (after Engine.IO's "4")
      {R"(0{"sid":"wZX3oN0bSVIhsaknAAAI"})",
       {},
       packet(PacketType::connect, "/", std::nullopt, json(R"({"sid":"wZX3oN0bSVIhsaknAAAI"})"))},
      {R"(2["hey","Jude"])", {}, packet(PacketType::event, "/", std::nullopt, json(R"(["hey","Jude"])"))},
      {R"(2["hello"])", {}, packet(PacketType::event, "/", std::nullopt, json(R"(["hello"])"))},
      {R"(0/admin,{"sid":"-G5j-67EZFp-q59rADQM"})",
       {},
       packet(PacketType::connect, "/admin", std::nullopt, json(R"({"sid":"-G5j-67EZFp-q59rADQM"})"))},
      {R"(2/admin,1["tellme"])", {}, packet(PacketType::event, "/admin", 1, json(R"(["tellme"])"))},
      {R"(61-/admin,1[{"_placeholder":true,"num":0}])",
       {bytes({0xde, 0xad})},
       packet(PacketType::ack, "/admin", 1, Json::array({make_binary(bytes({0xde, 0xad}))}))},
      // compliance test-suite, both directions
      {R"(0{"token":"123"})", {}, packet(PacketType::connect, "/", std::nullopt, json(R"({"token":"123"})"))},
      {R"(0/custom,{"token":"abc"})",
       {},
       packet(PacketType::connect, "/custom", std::nullopt, json(R"({"token":"abc"})"))},
      {R"(2["auth",{}])", {}, packet(PacketType::event, "/", std::nullopt, json(R"(["auth",{}])"))},
      {R"(2/custom,["auth",{"token":"abc"}])",
       {},
       packet(PacketType::event, "/custom", std::nullopt, json(R"(["auth",{"token":"abc"}])"))},
      {R"(4/random,{"message":"Invalid namespace"})",
       {},
       packet(PacketType::connect_error, "/random", std::nullopt, json(R"({"message":"Invalid namespace"})"))},
      {R"(2["message",1,"2",{"3":[true]}])",
       {},
       packet(PacketType::event, "/", std::nullopt, json(R"(["message",1,"2",{"3":[true]}])"))},
      {R"(52-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])",
       {bytes({1, 2, 3}), bytes({4, 5, 6})},
       packet(PacketType::event, "/", std::nullopt,
              Json::array({"message", make_binary(bytes({1, 2, 3})), make_binary(bytes({4, 5, 6}))}))},
      {R"(2456["message-with-ack",1,"2",{"3":[false]}])",
       {},
       packet(PacketType::event, "/", 456, json(R"(["message-with-ack",1,"2",{"3":[false]}])"))},
      {R"(3456[1,"2",{"3":[false]}])", {}, packet(PacketType::ack, "/", 456, json(R"([1,"2",{"3":[false]}])"))},
      {R"(62-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])",
       {bytes({1, 2, 3}), bytes({4, 5, 6})},
       packet(PacketType::ack, "/", 789, Json::array({make_binary(bytes({1, 2, 3})), make_binary(bytes({4, 5, 6}))}))},
  };
}

TEST(SocketioSpecExamples, EachExampleDecodesToThePacketTheSpecDescribes) {
  for (const auto& example : spec_examples()) {
    SCOPED_TRACE(example.text);
    const auto decoded = test::decode(example.text, example.attachments);
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    ASSERT_TRUE(decoded.value().has_value());
    EXPECT_EQ(*decoded.value(), example.packet);
    EXPECT_TRUE(validate_packet(*decoded.value()).ok());
  }
}

TEST(SocketioSpecExamples, EachExamplePacketEncodesToTheSpecString) {
  for (const auto& example : spec_examples()) {
    SCOPED_TRACE(example.text);
    const EncodedPacket encoded = encode(example.packet);
    EXPECT_EQ(encoded.text, example.text);
    EXPECT_EQ(encoded.attachments, example.attachments);
  }
}

TEST(SocketioSpecExamples, BinaryPacketWaitsForEachAnnouncedAttachment) {
  Decoder decoder;
  auto first = decoder.feed_text(R"(52-/admin,["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])");
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first.value().has_value());
  EXPECT_EQ(decoder.pending_attachments(), 2u);
  auto second = decoder.feed_binary(bytes({1, 2}));
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second.value().has_value());
  EXPECT_EQ(decoder.pending_attachments(), 1u);
  auto third = decoder.feed_binary(bytes({3, 4}));
  ASSERT_TRUE(third.ok());
  ASSERT_TRUE(third.value().has_value());
  EXPECT_EQ(decoder.pending_attachments(), 0u);
  EXPECT_EQ(binary_bytes(third.value()->data[2]), bytes({3, 4}));
}

// The test-suite sends "40/custom" and "41/custom": the reference client leaves out
// the ',' when nothing follows the namespace.
TEST(SocketioSpecExamples, NamespaceMayEndTheMessageWithoutAComma) {
  const auto connect = test::decode("0/custom");
  ASSERT_TRUE(connect.ok()) << connect.error().message;
  EXPECT_EQ(*connect.value(), packet(PacketType::connect, "/custom", std::nullopt, nullptr));
  const auto disconnect = test::decode("1/custom");
  ASSERT_TRUE(disconnect.ok());
  EXPECT_EQ(*disconnect.value(), make_disconnect("/custom"));
  EXPECT_EQ(encode(*disconnect.value()).text, "1/custom,");
}

TEST(SocketioSpecExamples, TestSuiteInvalidMessagesAreRefused) {
  // "4abc", "42{}" and "42abc[...]" on the wire, without Engine.IO's "4".
  for (const char* text : {"abc", "2{}", R"(2abc["message-with-ack",1,"2",{"3":[false]}])"}) {
    const auto result = test::decode(text);
    ASSERT_FALSE(result.ok()) << text;
    EXPECT_EQ(result.error().code, ErrorCode::invalid_argument);
  }
}

}  // namespace
}  // namespace talkline::transport::socketio
