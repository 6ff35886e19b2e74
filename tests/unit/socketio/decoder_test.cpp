#include "transport/socketio/codec/decoder.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "unit/socketio/test_support.hpp"

namespace talkline::transport::socketio {
namespace {

using test::bytes;
using test::json;

// Asserts that `text` (followed by `attachments`) is refused with a message containing
// `rule`, so each test also pins which rule fired.
void expect_refused(std::string_view text, std::string_view rule, const std::vector<std::string>& attachments = {},
                    DecoderOptions options = {}) {
  SCOPED_TRACE(std::string(text));
  const auto result = test::decode(text, attachments, options);
  ASSERT_FALSE(result.ok()) << "decoded to " << (result.value() ? result.value()->data.dump() : "nothing");
  EXPECT_EQ(result.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(result.error().message.find(rule), std::string::npos) << result.error().message;
}

Packet decode_ok(std::string_view text, const std::vector<std::string>& attachments = {}) {
  const auto result = test::decode(text, attachments);
  EXPECT_TRUE(result.ok()) << text << ": " << result.error().message;
  if (!result.ok() || !result.value()) return Packet{};
  return *result.value();
}

// --- binary packets ---------------------------------------------------------------

TEST(SocketioDecoder, BinaryEventWithOneAttachmentBecomesAnEventHoldingTheBytes) {
  const Packet packet = decode_ok(R"(51-["upload",{"_placeholder":true,"num":0}])", {bytes({0, 255, 10})});
  EXPECT_EQ(packet.type, PacketType::event);
  EXPECT_EQ(binary_bytes(packet.data[1]), bytes({0, 255, 10}));
}

TEST(SocketioDecoder, PlaceholdersNestedInObjectsAndArraysAreResolvedInAnyOrder) {
  const Packet packet =
      decode_ok(R"(53-7["upload",{"file":{"_placeholder":true,"num":2},"parts":[1,{"_placeholder":true,"num":0}]},)"
                R"([[{"_placeholder":true,"num":1}]]])",
                {"zero", "one", "two"});
  EXPECT_EQ(packet.type, PacketType::event);
  EXPECT_EQ(packet.id, 7u);
  EXPECT_EQ(binary_bytes(packet.data[1]["file"]), "two");
  EXPECT_EQ(packet.data[1]["parts"][0], 1);
  EXPECT_EQ(binary_bytes(packet.data[1]["parts"][1]), "zero");
  EXPECT_EQ(binary_bytes(packet.data[2][0][0]), "one");
}

TEST(SocketioDecoder, NestedBinaryPacketReencodesInDocumentOrderAndDecodesEqual) {
  const Packet packet = decode_ok(
      R"(62-/chat,4[{"b":{"_placeholder":true,"num":0},"a":[{"_placeholder":true,"num":1}]}])", {"first", "second"});
  EXPECT_EQ(packet.type, PacketType::ack);
  const EncodedPacket encoded = encode(packet);
  // Keys are written sorted, so "a" (attachment 1 on the way in) is now number 0.
  EXPECT_EQ(encoded.text, R"(62-/chat,4[{"a":[{"_placeholder":true,"num":0}],"b":{"_placeholder":true,"num":1}}])");
  EXPECT_EQ(encoded.attachments, (std::vector<std::string>{"second", "first"}));
  EXPECT_EQ(decode_ok(encoded.text, encoded.attachments), packet);
}

TEST(SocketioDecoder, EmptyAttachmentIsKept) {
  const Packet packet = decode_ok(R"(51-["a",{"_placeholder":true,"num":0}])", {""});
  EXPECT_EQ(binary_bytes(packet.data[1]), "");
}

TEST(SocketioDecoder, BinaryPacketAnnouncingNoAttachmentsIsCompleteAtOnce) {
  EXPECT_EQ(decode_ok(R"(50-["a"])"), make_event("/", "a"));
  EXPECT_EQ(decode_ok("60-3[]"), make_ack("/", 3));
}

TEST(SocketioDecoder, PlaceholderLookalikeWithFalseFlagIsPlainData) {
  const Packet packet = decode_ok(R"(51-["a",{"_placeholder":false,"num":0},{"_placeholder":true,"num":0}])", {"x"});
  EXPECT_EQ(packet.data[1], json(R"({"_placeholder":false,"num":0})"));
}

TEST(SocketioDecoder, DecoderIsReusableAfterABinaryPacket) {
  Decoder decoder;
  ASSERT_TRUE(decoder.feed_text(R"(51-["a",{"_placeholder":true,"num":0}])").ok());
  const auto done = decoder.feed_binary("x");
  ASSERT_TRUE(done.ok() && done.value());
  const auto next = decoder.feed_text(R"(2["b"])");
  ASSERT_TRUE(next.ok() && next.value());
  EXPECT_EQ(*next.value(), make_event("/", "b"));
}

TEST(SocketioDecoder, ResetDropsAPartlyReceivedPacket) {
  Decoder decoder;
  ASSERT_TRUE(decoder.feed_text(R"(51-["a",{"_placeholder":true,"num":0}])").ok());
  decoder.reset();
  EXPECT_EQ(decoder.pending_attachments(), 0u);
  EXPECT_FALSE(decoder.feed_binary("x").ok());
  EXPECT_TRUE(decoder.feed_text(R"(2["b"])").ok());
}

TEST(SocketioDecoder, AckMayUseAReservedNameAsAnArgument) {
  EXPECT_EQ(decode_ok(R"(31["connect"])"), make_ack("/", 1, {"connect"}));
}

TEST(SocketioDecoder, AckIdZeroAndTheLargestSafeIdAreAccepted) {
  EXPECT_EQ(decode_ok(R"(20["a"])").id, 0u);
  EXPECT_EQ(decode_ok(R"(29007199254740991["a"])").id, kMaxAckId);
}

TEST(SocketioDecoder, NestingUpToTheLimitIsAccepted) {
  const std::string deep = "2[\"a\"," + std::string(31, '[') + std::string(31, ']') + "]";
  EXPECT_EQ(decode_ok(deep).type, PacketType::event);
  // Brackets inside strings are text, not nesting.
  EXPECT_EQ(decode_ok("2[\"" + std::string(100, '[') + "\"]").type, PacketType::event);
}

// --- malformed input, one class per test --------------------------------------------

TEST(SocketioDecoder, RefusesUnknownPacketType) {
  expect_refused("", "empty packet");
  for (const char* text : {"7", "9", "a", "-1", " 0", "999", "\xff"}) expect_refused(text, "unknown packet type");
}

TEST(SocketioDecoder, RefusesBadAttachmentCount) {
  expect_refused("5", "attachment count");
  expect_refused(R"(5-["a"])", "lacks its attachment count");
  expect_refused(R"(51["a"])", "must end with '-'");
  expect_refused(R"(5x-["a"])", "lacks its attachment count");
  expect_refused(R"(501-["a",{"_placeholder":true,"num":0}])", "leading zeros");
  expect_refused(R"(511-["a"])", "more than 10 attachments");
  expect_refused(R"(6123456789012345678901234567890-1[])", "more than 10 attachments");
  DecoderOptions two;
  two.max_attachments = 2;
  expect_refused(R"(53-["a"])", "more than 2 attachments", {}, two);
}

TEST(SocketioDecoder, RefusesTextMessageWhileAttachmentsAreMissing) {
  Decoder decoder;
  ASSERT_TRUE(decoder.feed_text(R"(52-["a",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])").ok());
  ASSERT_TRUE(decoder.feed_binary("x").ok());
  const auto result = decoder.feed_text(R"(2["b"])");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("1 attachment(s) were still expected"), std::string::npos);
  EXPECT_EQ(decoder.pending_attachments(), 0u);
}

TEST(SocketioDecoder, RefusesBinaryMessageNobodyAnnounced) {
  Decoder decoder;
  EXPECT_FALSE(decoder.feed_binary("x").ok());
  ASSERT_TRUE(decoder.feed_text(R"(51-["a",{"_placeholder":true,"num":0}])").ok());
  const auto done = decoder.feed_binary("x");
  ASSERT_TRUE(done.ok() && done.value());
  const auto extra = decoder.feed_binary("y");
  ASSERT_FALSE(extra.ok());
  EXPECT_NE(extra.error().message.find("no attachment was expected"), std::string::npos);
}

TEST(SocketioDecoder, RefusesBadNamespace) {
  expect_refused("2/ad\x01min,[\"a\"]", "control characters");
  expect_refused("2/a\tb,[\"a\"]", "control characters");
  expect_refused("2/\xff\xfe,[\"a\"]", "not valid UTF-8");
  expect_refused("0/" + std::string(300, 'n') + ",", "longer than 256 bytes");
  // Without a leading '/' there is no namespace, so the rest must be JSON.
  expect_refused("2admin,[\"a\"]", "not valid JSON");
  // Without the ',' the payload becomes part of the namespace and the event has none.
  expect_refused(R"(2/admin["a"])", "non-empty array");
  DecoderOptions short_names;
  short_names.max_namespace_length = 4;
  expect_refused("0/admin,", "longer than 4 bytes", {}, short_names);
}

TEST(SocketioDecoder, RefusesBadAckId) {
  expect_refused(R"(201["a"])", "leading zeros");
  expect_refused(R"(3["a"])", "ACK needs an ack id");
  expect_refused(R"(60-["a"])", "BINARY_ACK needs an ack id");
  expect_refused("012{}", "CONNECT must not carry an ack id");
  expect_refused("1/admin,5", "DISCONNECT must not carry an ack id");
  expect_refused(R"(47{"message":"x"})", "CONNECT_ERROR must not carry an ack id");
}

TEST(SocketioDecoder, RefusesHugeAckId) {
  expect_refused(R"(29007199254740992["a"])", "larger than 2^53-1");
  expect_refused(R"(29999999999999999["a"])", "larger than 2^53-1");
  expect_refused(R"(212345678901234567890["a"])", "more than 16 digits");
  expect_refused("3" + std::string(5000, '9') + "[]", "more than 16 digits");
}

TEST(SocketioDecoder, RefusesInvalidJson) {
  const std::string invalid[] = {R"(2["a")",
                                 R"(2["a"]x)",
                                 R"(2["a"][])",
                                 "2{'a':1}",
                                 R"(2["a",])",
                                 "2 ",
                                 R"(2["a" 1])",
                                 std::string("2[\"a\"]\0", 7),
                                 std::string("2[\"a\0\"]", 7),
                                 "2\xEF\xBB\xBF[\"a\"]",
                                 R"(2["\ud800"])",
                                 "2[\"\xff\"]",
                                 R"(2["a",NaN])",
                                 R"(2["a",1e400])",
                                 R"(2["a"/*c*/])"};
  for (const auto& text : invalid) {
    expect_refused(text, "not valid JSON");
  }
}

TEST(SocketioDecoder, RefusesWrongPayloadShapeForEachType) {
  expect_refused("0[]", "CONNECT payload must be an object");
  expect_refused(R"(0/admin,"invalid")", "CONNECT payload must be an object");
  expect_refused("0null", "CONNECT payload must not be null");
  expect_refused("1null", "DISCONNECT payload must not be null");
  expect_refused("3/a,1 null", "ACK payload must not be null");
  expect_refused("1/admin,{}", "DISCONNECT must not carry a payload");
  expect_refused("1[]", "DISCONNECT must not carry a payload");
  expect_refused("4", "CONNECT_ERROR payload must be an object");
  expect_refused(R"(4"Not authorized")", "CONNECT_ERROR payload must be an object");
  expect_refused("4[]", "CONNECT_ERROR payload must be an object");
  expect_refused("2", "EVENT payload must be a non-empty array");
  expect_refused("2[]", "EVENT payload must be a non-empty array");
  expect_refused("2/admin,{}", "EVENT payload must be a non-empty array");
  expect_refused(R"(2/admin,"invalid)", "not valid JSON");
  expect_refused(R"(2[{"toString":"foo"}])", "must be a string");
  expect_refused(R"(2[true,"foo"])", "must be a string");
  expect_refused(R"(2[null,"bar"])", "must be a string");
  expect_refused("2[1]", "must be a string");
  expect_refused("51-[{\"_placeholder\":true,\"num\":0}]", "must be a string", {"x"});
  expect_refused("50-{}", "BINARY_EVENT payload must be a non-empty array");
  expect_refused("31", "ACK payload must be an array");
  expect_refused("31{}", "ACK payload must be an array");
  expect_refused(R"(31"x")", "ACK payload must be an array");
  expect_refused("60-1{}", "BINARY_ACK payload must be an array");
}

TEST(SocketioDecoder, RefusesReservedEventNames) {
  for (const auto name : kReservedEventNames) {
    expect_refused("2[\"" + std::string(name) + "\"]", "is reserved");
    expect_refused("2/admin,3[\"" + std::string(name) + "\",\"123\"]", "is reserved");
    expect_refused("51-[\"" + std::string(name) + R"(",{"_placeholder":true,"num":0}])", "is reserved", {"x"});
  }
}

TEST(SocketioDecoder, RefusesPlaceholderOutOfRangeOrMalformed) {
  expect_refused(R"(51-["a",{"_placeholder":true,"num":1}])", "num 1 is out of range (1 attachments announced)");
  expect_refused(R"(50-["a",{"_placeholder":true,"num":0}])", "out of range");
  expect_refused(R"(51-["a",{"_placeholder":true,"num":-1}])", "exactly");
  expect_refused(R"(51-["a",{"_placeholder":true,"num":0.0}])", "exactly");
  expect_refused(R"(51-["a",{"_placeholder":true,"num":"0"}])", "exactly");
  expect_refused(R"(51-["a",{"_placeholder":true}])", "exactly");
  expect_refused(R"(51-["a",{"_placeholder":true,"num":0,"x":1}])", "exactly");
  expect_refused(R"(51-["a",{"_placeholder":true,"num":18446744073709551615}])", "out of range");
}

TEST(SocketioDecoder, RefusesDuplicatedOrUnusedAttachments) {
  expect_refused(R"(52-["a",{"_placeholder":true,"num":0},{"_placeholder":true,"num":0}])", "num 0 appears twice");
  expect_refused(R"(52-["a",{"_placeholder":true,"num":1}])", "attachment 0 is never referenced");
  expect_refused(R"(51-["a"])", "attachment 0 is never referenced");
}

TEST(SocketioDecoder, RefusesPlaceholderInPacketWithoutAttachments) {
  expect_refused(R"(2["a",{"_placeholder":true,"num":0}])", "placeholder in a packet that has no attachments");
  expect_refused(R"(3/x,1[[{"_placeholder":true}]])", "placeholder in a packet that has no attachments");
  expect_refused(R"(0{"auth":{"_placeholder":true,"num":0}})", "placeholder in a packet that has no attachments");
}

TEST(SocketioDecoder, RefusesDeepNesting) {
  const std::string too_deep = "2[\"a\"," + std::string(32, '[') + std::string(32, ']') + "]";
  expect_refused(too_deep, "deeper than 32 levels");
  expect_refused("2" + std::string(100000, '['), "deeper than 32 levels");
  expect_refused("0" + std::string(40, '{'), "deeper than 32 levels");
  DecoderOptions shallow;
  shallow.max_depth = 2;
  expect_refused(R"(2["a",[[1]]])", "deeper than 2 levels", {}, shallow);
}

TEST(SocketioDecoder, NeverThrowsOnGarbage) {
  const std::string garbage[] = {"\0",     "5\0-",     "2/\0,", "5-",   "6-",      "60-",  "/",
                                 "0/",     "0/,",      "2/,",   "3/,1", "51-1-[]", "0,{}", std::string(1000, '5'),
                                 "2[\"\\", "2[\"\\\"]"};
  for (const auto& text : garbage) {
    EXPECT_NO_THROW({
      Decoder decoder;
      (void)decoder.feed_text(text);
      (void)decoder.feed_binary(text);
      (void)decoder.feed_text(text);
    });
  }
}

}  // namespace
}  // namespace talkline::transport::socketio
