#include "transport/socketio/codec/encoder.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "unit/socketio/test_support.hpp"

namespace talkline::transport::socketio {
namespace {

using test::bytes;
using test::json;

TEST(SocketioEncoder, EventWithBinaryArgumentBecomesBinaryEvent) {
  const EncodedPacket encoded = encode(make_event("/", "file", {make_binary(bytes({1, 2, 3}))}));
  EXPECT_EQ(encoded.text, R"(51-["file",{"_placeholder":true,"num":0}])");
  EXPECT_EQ(encoded.attachments, std::vector<std::string>{bytes({1, 2, 3})});
}

TEST(SocketioEncoder, AckWithBinaryArgumentsBecomesBinaryAck) {
  // The compliance test-suite expects exactly this answer to its binary event with ack 789.
  const EncodedPacket encoded =
      encode(make_ack("/", 789, {make_binary(bytes({1, 2, 3})), make_binary(bytes({4, 5, 6}))}));
  EXPECT_EQ(encoded.text, R"(62-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])");
  EXPECT_EQ(encoded.attachments, (std::vector<std::string>{bytes({1, 2, 3}), bytes({4, 5, 6})}));
}

TEST(SocketioEncoder, BinaryNestedInObjectsAndArraysIsNumberedInDocumentOrder) {
  Json file = Json::object();
  file["name"] = "a.png";
  file["thumb"] = make_binary("small");
  file["body"] = Json::array({make_binary("big"), Json::array({make_binary("tail")})});
  const EncodedPacket encoded = encode(make_event("/files", "upload", {file, 42}, 9));
  EXPECT_EQ(encoded.text,
            R"(53-/files,9["upload",{"body":[{"_placeholder":true,"num":0},[{"_placeholder":true,"num":1}]],)"
            R"("name":"a.png","thumb":{"_placeholder":true,"num":2}},42])");
  EXPECT_EQ(encoded.attachments, (std::vector<std::string>{"big", "tail", "small"}));

  const auto decoded = test::decode(encoded.text, encoded.attachments);
  ASSERT_TRUE(decoded.ok() && decoded.value());
  EXPECT_EQ(*decoded.value(), make_event("/files", "upload", {file, 42}, 9));
}

TEST(SocketioEncoder, BinaryTypeWithoutBinaryDataIsSentAsThePlainType) {
  Packet packet = make_event("/", "a");
  packet.type = PacketType::binary_event;
  EXPECT_EQ(encode(packet).text, R"(2["a"])");
  Packet ack = make_ack("/", 5);
  ack.type = PacketType::binary_ack;
  EXPECT_EQ(encode(ack).text, "35[]");
}

TEST(SocketioEncoder, DoesNotModifyTheInputPacket) {
  const Packet packet = make_event("/", "a", {make_binary("x")});
  const Packet copy = packet;
  (void)encode(packet);
  EXPECT_EQ(packet, copy);
}

TEST(SocketioEncoder, InvalidUtf8InStringsIsReplacedRatherThanThrown) {
  const Packet packet = make_event("/", "a", {std::string("\xff")});
  EncodedPacket encoded;
  EXPECT_NO_THROW(encoded = encode(packet));
  EXPECT_EQ(encoded.text, "2[\"a\",\"\xEF\xBF\xBD\"]");
}

TEST(SocketioEncoder, HelpersProduceValidPacketsWithTheExpectedText) {
  struct Case {
    Packet packet;
    std::string text;
  };
  const Case cases[] = {
      {make_connect_ok("/", "wZX3oN0bSVIhsaknAAAI"), R"(0{"sid":"wZX3oN0bSVIhsaknAAAI"})"},
      {make_connect_ok("/admin", "oSO0"), R"(0/admin,{"sid":"oSO0"})"},
      {make_connect_error("/random", "Invalid namespace"), R"(4/random,{"message":"Invalid namespace"})"},
      {make_connect_error("/", "Not authorized", json(R"({"retry":false})")),
       R"(4{"data":{"retry":false},"message":"Not authorized"})"},
      {make_connect_error("/", "x", Json()), R"(4{"data":null,"message":"x"})"},
      {make_disconnect("/"), "1"},
      {make_disconnect("/admin"), "1/admin,"},
      {make_event("/", "hey", {"Jude"}), R"(2["hey","Jude"])"},
      {make_event("/admin", "tellme", {}, 1), R"(2/admin,1["tellme"])"},
      {make_event("/", "n", {1, 2.5, true, nullptr, json(R"({"k":[]})")}), R"(2["n",1,2.5,true,null,{"k":[]}])"},
      {make_event("/", "max", {}, kMaxAckId), R"(29007199254740991["max"])"},
      {make_ack("/", 0), "30[]"},
      {make_ack("/", 456, json(R"([1,"2",{"3":[false]}])").get<Json::array_t>()), R"(3456[1,"2",{"3":[false]}])"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_TRUE(validate_packet(c.packet).ok()) << validate_packet(c.packet).error().message;
    EXPECT_EQ(encode(c.packet).text, c.text);
    EXPECT_TRUE(encode(c.packet).attachments.empty());
    const auto decoded = test::decode(c.text);
    ASSERT_TRUE(decoded.ok() && decoded.value()) << (decoded.ok() ? "" : decoded.error().message);
    EXPECT_EQ(*decoded.value(), c.packet);
  }
}

}  // namespace
}  // namespace talkline::transport::socketio
