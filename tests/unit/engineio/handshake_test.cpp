#include "transport/engineio/codec/handshake.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "transport/engineio/codec/payload.hpp"
#include "transport/engineio/codec/websocket_frame.hpp"

namespace talkline::transport::engineio {
namespace {

TEST(EngineIoHandshake, OpenPacketMatchesTheSpecExampleByteForByte) {
  const HandshakeInfo info{"lv_VI97HAXpY6yYWAAAC", {"websocket"}, 25000, 20000, 1000000};
  const Packet open = encode_open(info);
  EXPECT_EQ(open.type(), PacketType::open);
  EXPECT_FALSE(open.is_binary());
  EXPECT_EQ(encode_ws(open).data, R"(0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,)"
                                  R"("pingTimeout":20000,"maxPayload":1000000})");
}

TEST(EngineIoHandshake, WebSocketHandshakeHasNoUpgrades) {
  const HandshakeInfo info{"AAAAAAAAAAAAAAAAAAAA", {}, 300, 200, 1000000};
  EXPECT_EQ(
      encode_open(info).data(),
      R"({"sid":"AAAAAAAAAAAAAAAAAAAA","upgrades":[],"pingInterval":300,"pingTimeout":200,"maxPayload":1000000})");
}

TEST(EngineIoHandshake, OpenPacketIsAOnePacketPollingBody) {
  const HandshakeInfo info{"AAAAAAAAAAAAAAAAAAAA", {"websocket"}, 25000, 20000, 1000000};
  auto body = encode_payload({encode_open(info)});
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(body->front(), '0');
  EXPECT_EQ(body->find('\x1e'), std::string::npos);
}

TEST(EngineIoHandshake, SidsAreWellFormedAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string sid = make_sid();
    EXPECT_EQ(sid.size(), kSidLength);
    EXPECT_TRUE(is_well_formed_sid(sid)) << sid;
    EXPECT_TRUE(seen.insert(std::move(sid)).second);
  }
}

TEST(EngineIoHandshake, SidsNameTheirOwnerNode) {
  for (int owner : {0, 1, 63, 64, 1023, kMaxSidOwner}) {
    std::string sid = make_sid(owner);
    EXPECT_TRUE(is_well_formed_sid(sid)) << sid;
    EXPECT_EQ(sid_owner(sid), owner) << sid;
  }
  EXPECT_NE(make_sid(7), make_sid(7));
}

TEST(EngineIoHandshake, SidShapeCheckRejectsOtherShapes) {
  EXPECT_TRUE(is_well_formed_sid("lv_VI97HAXpY6yYWAAAC"));
  EXPECT_TRUE(is_well_formed_sid("-_-_-_-_-_0123456789"));
  EXPECT_FALSE(is_well_formed_sid(""));
  EXPECT_FALSE(is_well_formed_sid("lv_VI97HAXpY6yYWAAA"));
  EXPECT_FALSE(is_well_formed_sid("lv_VI97HAXpY6yYWAAACC"));
  EXPECT_FALSE(is_well_formed_sid("lv_VI97HAXpY6yYWAA+C"));
  EXPECT_FALSE(is_well_formed_sid("lv_VI97HAXpY6yYWAA/C"));
  EXPECT_FALSE(is_well_formed_sid("lv_VI97HAXpY6yYWAA=C"));
  EXPECT_FALSE(is_well_formed_sid(std::string("lv_VI97HAXpY6yYWAA\0C", 20)));
}

}  // namespace
}  // namespace talkline::transport::engineio
