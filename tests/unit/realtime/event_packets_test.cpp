#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "realtime/event_packets.hpp"
#include "realtime/events.hpp"
#include "transport/engineio/codec/packet.hpp"
#include "transport/socketio/codec/decoder.hpp"

namespace talkline::realtime {
namespace {

namespace eio = transport::engineio;
namespace sio = transport::socketio;
using util::Json;

// What a client's Socket.IO parser makes of the Engine.IO message: must be one
// complete EVENT on "/" without an ack id, [event, payload].
void expect_client_reads(const eio::Packet& packet, std::string_view event, const Json& payload) {
  sio::Decoder decoder;
  auto decoded = decoder.feed_text(packet.data());
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  ASSERT_TRUE(decoded.value().has_value());
  const sio::Packet& sio_packet = *decoded.value();
  EXPECT_EQ(sio_packet.type, sio::PacketType::event);
  EXPECT_EQ(sio_packet.nsp, "/");
  EXPECT_FALSE(sio_packet.id.has_value());
  EXPECT_EQ(sio_packet.data, Json::array({std::string(event), payload}));
  EXPECT_EQ(decoder.pending_attachments(), 0U);
}

TEST(EventPackets, IsOneTextMessageHoldingTheEventAndPayload) {
  const auto packets = event_packets("message:new", R"({"id":"1","seq":3})");
  ASSERT_EQ(packets.size(), 1U);
  EXPECT_EQ(packets[0].type(), eio::PacketType::message);
  EXPECT_FALSE(packets[0].is_binary());
  EXPECT_EQ(packets[0].data(), R"(2["message:new",{"id":"1","seq":3}])");
  EXPECT_EQ(eio::encode_packet_string(packets[0]), R"(42["message:new",{"id":"1","seq":3}])");
}

TEST(EventPackets, DecodesAsTheSameEventAndPayload) {
  const std::string payload =
      R"({"conversationId":"7","userId":"9","type":"read","seq":12,"at":"2024-01-01T00:00:00.000Z"})";
  const auto packets = event_packets("receipt", payload);
  ASSERT_EQ(packets.size(), 1U);
  expect_client_reads(packets[0], "receipt", Json::parse(payload));
}

TEST(EventPackets, EveryServerEventDecodesBackToItsName) {
  const Json payload = {{"userId", "5"}, {"status", "online"}, {"lastSeenAt", nullptr}};
  for (const std::string_view event : {events::message_new, events::receipt, events::presence,
                                       events::conversation_updated, events::session_ended, events::typing}) {
    SCOPED_TRACE(std::string(event));
    const auto packets = event_packets(event, util::dump_json(payload));
    ASSERT_EQ(packets.size(), 1U);
    EXPECT_EQ(packets[0].data(), "2[\"" + std::string(event) + "\"," + util::dump_json(payload) + "]");
    expect_client_reads(packets[0], event, payload);
  }
}

TEST(EventPackets, PayloadWithEscapesAndUnicodeSurvivesUnchanged) {
  const Json payload = {{"body", "she said \"hi\"\n\t\\ \xE2\x98\x83 \xF0\x9F\x98\x80 ]},["},
                        {"n", Json::array({1, nullptr})}};
  const std::string text = util::dump_json(payload);
  const auto packets = event_packets("message:new", text);
  ASSERT_EQ(packets.size(), 1U);
  EXPECT_EQ(packets[0].data(), "2[\"message:new\"," + text + "]");
  expect_client_reads(packets[0], "message:new", payload);
}

TEST(EventPackets, NonObjectPayloadsAreCarriedToo) {
  for (const char* payload : {"[]", R"("text")", "42", "true"}) {
    SCOPED_TRACE(payload);
    const auto packets = event_packets("typing", payload);
    ASSERT_EQ(packets.size(), 1U);
    expect_client_reads(packets[0], "typing", Json::parse(payload));
  }
}

}  // namespace
}  // namespace talkline::realtime
