#include "bus/redis/envelope_codec.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "conformance/bus_conformance.hpp"

namespace talkline::bus::redis {
namespace {

Envelope full_envelope() {
  Envelope envelope;
  envelope.user_ids = {1, -1, std::numeric_limits<model::Id>::max(), std::numeric_limits<model::Id>::min()};
  envelope.event = "message:new";
  envelope.payload_json = std::string(R"({"body":"nul )") + '\0' + " inside, emoji \xF0\x9F\x98\x80\"}";
  envelope.skip_connection = "sock-1";
  envelope.conversation_id = 9'007'199'254'740'993;
  envelope.change_seq = 42;
  envelope.end_session_id = -7;
  return envelope;
}

TEST(EnvelopeCodec, RoundTripsEveryField) {
  const auto envelope = full_envelope();
  const auto decoded = decode_envelope(encode_envelope(envelope, 0xFEEDFACECAFEBEEFULL));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->origin, 0xFEEDFACECAFEBEEFULL);
  EXPECT_TRUE(conformance::same_envelope(envelope, decoded->envelope));
}

TEST(EnvelopeCodec, RoundTripsAnEmptyEnvelope) {
  const auto decoded = decode_envelope(encode_envelope(Envelope{}, 1));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_TRUE(conformance::same_envelope(Envelope{}, decoded->envelope));
}

TEST(EnvelopeCodec, LeavesTheUsersOutWhenAsked) {
  const auto envelope = full_envelope();
  const auto with = encode_envelope(envelope, 1);
  const auto without = encode_envelope(envelope, 1, false);
  EXPECT_EQ(with.size(), without.size() + 8 * envelope.user_ids.size());
  const auto decoded = decode_envelope(without);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_TRUE(decoded->envelope.user_ids.empty());
  EXPECT_EQ(decoded->envelope.payload_json, envelope.payload_json);
}

TEST(EnvelopeCodec, RejectsEveryTruncation) {
  const auto bytes = encode_envelope(full_envelope(), 5);
  for (std::size_t length = 0; length < bytes.size(); ++length) {
    EXPECT_FALSE(decode_envelope(std::string_view(bytes).substr(0, length)).has_value()) << "length " << length;
  }
}

TEST(EnvelopeCodec, RejectsTrailingBytesAndUnknownVersions) {
  auto bytes = encode_envelope(full_envelope(), 5);
  EXPECT_FALSE(decode_envelope(bytes + "x").has_value());
  bytes[0] = 2;
  EXPECT_FALSE(decode_envelope(bytes).has_value());
}

TEST(EnvelopeCodec, RejectsLengthsPastTheEnd) {
  auto bytes = encode_envelope(Envelope{}, 5);
  // The event's length field sits after the version byte and four 8-byte numbers.
  bytes[33] = '\xFF';
  bytes[34] = '\xFF';
  bytes[35] = '\xFF';
  bytes[36] = '\xFF';
  EXPECT_FALSE(decode_envelope(bytes).has_value());
  auto counted = encode_envelope(Envelope{}, 5);
  counted[counted.size() - 1] = '\x7F';  // a user count of ~2^30 with no ids following
  EXPECT_FALSE(decode_envelope(counted).has_value());
}

}  // namespace
}  // namespace talkline::bus::redis
