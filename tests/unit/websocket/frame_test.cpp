#include "transport/websocket/codec/frame.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "util/utf8.hpp"

namespace talkline::transport::websocket {
namespace {

std::vector<int> header_of(Opcode opcode, std::uint64_t size) {
  std::array<std::uint8_t, kMaxHeaderBytes> out{};
  const std::size_t used = write_header(opcode, size, out);
  return {out.begin(), out.begin() + static_cast<std::ptrdiff_t>(used)};
}

TEST(WriteHeader, PayloadsUpTo125BytesTakeTheSevenBitLength) {
  EXPECT_EQ(header_of(Opcode::text, 0), (std::vector<int>{0x81, 0}));
  EXPECT_EQ(header_of(Opcode::binary, 125), (std::vector<int>{0x82, 125}));
}

TEST(WriteHeader, PayloadsUpTo65535BytesTakeTheSixteenBitLength) {
  EXPECT_EQ(header_of(Opcode::text, 126), (std::vector<int>{0x81, 126, 0x00, 0x7E}));
  EXPECT_EQ(header_of(Opcode::binary, 65535), (std::vector<int>{0x82, 126, 0xFF, 0xFF}));
}

TEST(WriteHeader, LongerPayloadsTakeTheSixtyFourBitLength) {
  EXPECT_EQ(header_of(Opcode::binary, 65536), (std::vector<int>{0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0}));
  EXPECT_EQ(header_of(Opcode::binary, 0x0102030405060708), (std::vector<int>{0x82, 127, 1, 2, 3, 4, 5, 6, 7, 8}));
}

TEST(WriteHeader, ControlFramesCarryTheirOpcodeWithFinAndNoMask) {
  EXPECT_EQ(header_of(Opcode::close, 2), (std::vector<int>{0x88, 2}));
  EXPECT_EQ(header_of(Opcode::ping, 0), (std::vector<int>{0x89, 0}));
  EXPECT_EQ(header_of(Opcode::pong, 125), (std::vector<int>{0x8A, 125}));
}

TEST(ClosePayload, IsTheCodeInNetworkOrderThenTheReason) {
  EXPECT_EQ(close_payload(1000), std::string("\x03\xE8", 2));
  EXPECT_EQ(close_payload(close_code::too_big, "too big"), std::string("\x03\xF1too big", 9));
}

TEST(ClosePayload, AReasonThatFitsIsKeptWhole) {
  const std::string reason(123, 'r');  // 2 + 123 = 125, the most a control frame carries
  EXPECT_EQ(close_payload(1000, reason).substr(2), reason);
}

TEST(ClosePayload, ALongReasonIsCutToFitAControlFrame) {
  const std::string payload = close_payload(1000, std::string(500, 'r'));
  EXPECT_EQ(payload.size(), kMaxControlPayload);
  EXPECT_EQ(payload.substr(2), std::string(123, 'r'));
}

TEST(ClosePayload, ALongReasonIsCutAtACharacterBoundary) {
  // Offsets put the 123-byte cut inside a 2-, 3- and 4-byte character in turn.
  const std::string characters[] = {"\xC3\xA9", "\xE2\x9C\x93", "\xF0\x9F\x98\x80"};
  for (const std::string& character : characters) {
    for (std::size_t lead = 0; lead < character.size(); ++lead) {
      std::string reason(lead, 'a');
      while (reason.size() < 200) reason += character;
      const std::string payload = close_payload(1001, reason);
      const std::string kept = payload.substr(2);
      EXPECT_LE(payload.size(), kMaxControlPayload);
      EXPECT_GT(kept.size() + character.size(), 123U) << "cut more than one character";
      EXPECT_TRUE(util::utf8_valid(kept)) << character.size() << "-byte characters after " << lead;
      EXPECT_EQ(reason.substr(0, kept.size()), kept);
    }
  }
}

TEST(CloseCodeAllowed, AcceptsWhatAPeerMaySend) {
  for (const std::uint16_t code :
       {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999}) {
    EXPECT_TRUE(close_code_allowed(code)) << code;
  }
}

TEST(CloseCodeAllowed, RefusesReservedUnassignedAndNoCodeValues) {
  for (const std::uint16_t code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535}) {
    EXPECT_FALSE(close_code_allowed(code)) << code;
  }
}

}  // namespace
}  // namespace talkline::transport::websocket
