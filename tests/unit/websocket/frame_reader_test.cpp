#include "transport/websocket/codec/frame_reader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "unit/websocket/client_frames.hpp"

namespace talkline::transport::websocket {
namespace {

using namespace client_frames;

constexpr std::size_t kMax = 1 << 20;

// Every event as one string, so a whole conversation compares (and prints) at once.
class Recorder : public FrameSink {
 public:
  std::vector<std::string> events;
  /// Answer false (stop reading) once this many events are in.
  std::size_t stop_after = SIZE_MAX;

  bool on_message(bool binary, std::string_view data) override {
    return record((binary ? "binary:" : "text:") + std::string(data));
  }
  bool on_ping(std::string_view payload) override { return record("ping:" + std::string(payload)); }
  bool on_pong(std::string_view payload) override { return record("pong:" + std::string(payload)); }
  void on_close(std::optional<std::uint16_t> code, std::string_view reason) override {
    record(code ? "close:" + std::to_string(*code) + ":" + std::string(reason) : "close");
  }

 private:
  bool record(std::string event) {
    events.push_back(std::move(event));
    return events.size() < stop_after;
  }
};

struct Outcome {
  std::vector<std::string> events;
  std::optional<ReadError> error;
};

// Feeds `bytes` in pieces ending at each of `cuts` (ascending), then the rest, each
// piece in a buffer of its own as a socket read would leave it. Once the reader has
// failed, the remaining pieces must change nothing.
Outcome read_in_pieces(FrameReader& reader, Recorder& sink, std::string_view bytes, std::vector<std::size_t> cuts) {
  cuts.push_back(bytes.size());
  Outcome outcome;
  std::size_t from = 0;
  for (const std::size_t to : cuts) {
    std::string piece(bytes.substr(from, to - from));
    from = to;
    const std::size_t events_before = sink.events.size();
    auto error = reader.read(piece, sink);
    if (outcome.error) {
      EXPECT_FALSE(error) << "a second error after the first";
      EXPECT_EQ(sink.events.size(), events_before) << "an event after an error";
    } else {
      outcome.error = error;
    }
  }
  outcome.events = sink.events;
  return outcome;
}

Outcome read_in_pieces(std::string_view bytes, std::vector<std::size_t> cuts, std::size_t max = kMax) {
  FrameReader reader(max);
  Recorder sink;
  auto outcome = read_in_pieces(reader, sink, bytes, std::move(cuts));
  if (outcome.error) {
    EXPECT_TRUE(reader.done());
  }
  return outcome;
}

Outcome read_whole(std::string_view bytes, std::size_t max = kMax) { return read_in_pieces(bytes, {}, max); }

Outcome read_byte_by_byte(std::string_view bytes, std::size_t max = kMax) {
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < bytes.size(); ++i) cuts.push_back(i);
  return read_in_pieces(bytes, cuts, max);
}

using Events = std::vector<std::string>;

std::string every_byte_value() {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  return bytes;
}

// A conversation touching every kind of frame: what split reads must deliver unchanged.
std::string conversation() {
  return text("hello") + binary(every_byte_value()) + ping("p1") + text("frag", false) + pong("p2") +
         continuation("men", false) + ping() + continuation("ted", true) + binary(std::string(70000, 'x')) +
         text(std::string(300, 'y')) + close_with(1000, "bye");
}

Events conversation_events() {
  return {"text:hello",
          "binary:" + every_byte_value(),
          "ping:p1",
          "pong:p2",
          "ping:",
          "text:fragmented",
          "binary:" + std::string(70000, 'x'),
          "text:" + std::string(300, 'y'),
          "close:1000:bye"};
}

// ---- messages

TEST(FrameReader, ASingleTextFrameIsATextMessage) {
  auto outcome = read_whole(text("hello"));
  EXPECT_FALSE(outcome.error);
  EXPECT_EQ(outcome.events, Events{"text:hello"});
}

TEST(FrameReader, ASingleBinaryFrameIsABinaryMessage) {
  auto outcome = read_whole(binary(every_byte_value()));
  EXPECT_FALSE(outcome.error);
  EXPECT_EQ(outcome.events, Events{"binary:" + every_byte_value()});
}

TEST(FrameReader, EmptyMessagesArriveEmpty) {
  EXPECT_EQ(read_whole(text("") + binary("")).events, (Events{"text:", "binary:"}));
}

TEST(FrameReader, EveryLengthFormCarriesItsPayload) {
  // 125 is the longest 7-bit length, 126 and 65535 the 16-bit bounds, 65536 the first 64-bit one.
  for (const std::size_t size : {0, 1, 125, 126, 127, 1000, 65535, 65536, 70001}) {
    const std::string payload(size, 'a');
    EXPECT_EQ(read_whole(binary(payload)).events, Events{"binary:" + payload}) << size;
  }
}

TEST(FrameReader, EveryMaskKeyUnmasksPayloadsOfEveryLengthRemainder) {
  // The reader unmasks eight bytes at a time and the rest one by one: lengths 0..17 cover both.
  const std::array<std::array<std::uint8_t, 4>, 4> keys = {
      {{0, 0, 0, 0}, {0xFF, 0xFF, 0xFF, 0xFF}, {1, 2, 3, 4}, {0x80, 0x00, 0x7F, 0xC3}}};
  for (const auto& key : keys) {
    for (std::size_t size = 0; size < 18; ++size) {
      ClientFrame built = frame(Opcode::binary, every_byte_value().substr(100, size));
      built.mask_key = key;
      EXPECT_EQ(read_whole(encode(built)).events, Events{"binary:" + built.payload}) << size;
    }
  }
}

TEST(FrameReader, SeveralFramesInOneReadAllArriveInOrder) {
  auto outcome = read_whole(text("one") + binary("two") + text("three"));
  EXPECT_FALSE(outcome.error);
  EXPECT_EQ(outcome.events, (Events{"text:one", "binary:two", "text:three"}));
}

TEST(FrameReader, AConversationReadWholeGivesEveryEvent) {
  auto outcome = read_whole(conversation());
  EXPECT_FALSE(outcome.error);
  EXPECT_EQ(outcome.events, conversation_events());
}

// ---- split reads

TEST(FrameReader, AMessageSplitAcrossReadsArrivesWhole) {
  const std::string bytes = text("split in two");
  auto outcome = read_in_pieces(bytes, {5});
  EXPECT_FALSE(outcome.error);
  EXPECT_EQ(outcome.events, Events{"text:split in two"});
}

TEST(FrameReader, AConversationReadByteByByteGivesTheSameEvents) {
  auto outcome = read_byte_by_byte(conversation());
  EXPECT_FALSE(outcome.error);
  EXPECT_EQ(outcome.events, conversation_events());
}

TEST(FrameReader, AConversationSplitAtRandomGivesTheSameEvents) {
  const std::string bytes = conversation();
  std::mt19937 random(20240601);  // fixed, so a failure repeats
  for (int trial = 0; trial < 300; ++trial) {
    std::uniform_int_distribution<std::size_t> count(1, 40);
    std::uniform_int_distribution<std::size_t> at(0, bytes.size());
    std::vector<std::size_t> cuts(count(random));
    for (auto& cut : cuts) cut = at(random);
    std::sort(cuts.begin(), cuts.end());
    auto outcome = read_in_pieces(bytes, cuts);
    EXPECT_FALSE(outcome.error) << "trial " << trial;
    ASSERT_EQ(outcome.events, conversation_events()) << "trial " << trial;
  }
}

TEST(FrameReader, HeldBytesReturnToZeroOnceASplitFrameCompletes) {
  FrameReader reader(kMax);
  Recorder sink;
  std::string bytes = binary(std::string(300, 'z'));
  std::string head = bytes.substr(0, 100);
  std::string tail = bytes.substr(100);
  EXPECT_FALSE(reader.read(head, sink));
  EXPECT_EQ(reader.held_bytes(), 100U);
  EXPECT_FALSE(reader.read(tail, sink));
  EXPECT_EQ(sink.events, Events{"binary:" + std::string(300, 'z')});
  EXPECT_EQ(reader.held_bytes(), 0U);
}

TEST(FrameReader, HeldBytesReturnToZeroOnceAFragmentedMessageCompletes) {
  FrameReader reader(kMax);
  Recorder sink;
  std::string first = text("abc", false);
  std::string last = continuation("def", true);
  EXPECT_FALSE(reader.read(first, sink));
  EXPECT_EQ(reader.held_bytes(), 3U);  // the first fragment's payload
  EXPECT_FALSE(reader.read(last, sink));
  EXPECT_EQ(sink.events, Events{"text:abcdef"});
  EXPECT_EQ(reader.held_bytes(), 0U);
}

// ---- fragments and control frames

TEST(FrameReader, AFragmentedMessageArrivesWholeWithControlFramesBetweenItsFragments) {
  auto outcome = read_whole(binary("ab", false) + ping("between") + continuation("cd", false) + pong("again") +
                            continuation("", false) + continuation("ef", true) + text("next"));
  EXPECT_FALSE(outcome.error);
  // Control frames are handed on at once; the message once its last fragment is in.
  EXPECT_EQ(outcome.events, (Events{"ping:between", "pong:again", "binary:abcdef", "text:next"}));
}

TEST(FrameReader, PingAndPongPayloadsArePassedOn) {
  const std::string longest(kMaxControlPayload, 'p');
  auto outcome = read_whole(ping() + ping("are you there") + pong("yes") + ping(longest) +
                            pong(every_byte_value().substr(0, 125)));
  EXPECT_FALSE(outcome.error);
  EXPECT_EQ(outcome.events, (Events{"ping:", "ping:are you there", "pong:yes", "ping:" + longest,
                                    "pong:" + every_byte_value().substr(0, 125)}));
}

TEST(FrameReader, ControlFramesDoNotCountTowardsTheMessageLimit) {
  auto outcome = read_whole(ping(std::string(100, 'p')) + text("0123456789"), 10);
  EXPECT_FALSE(outcome.error);
  EXPECT_EQ(outcome.events.size(), 2U);
}

// ---- close

TEST(FrameReader, ACloseWithoutACodeHasNone) {
  auto outcome = read_whole(close_raw());
  EXPECT_FALSE(outcome.error);
  EXPECT_EQ(outcome.events, Events{"close"});
}

TEST(FrameReader, ACloseWithACodeAndReasonPassesBoth) {
  EXPECT_EQ(read_whole(close_with(1001, "going away \xE2\x9C\x93")).events,
            Events{"close:1001:going away \xE2\x9C\x93"});
  EXPECT_EQ(read_whole(close_with(4321)).events, Events{"close:4321:"});
}

TEST(FrameReader, ACloseWithAOneBytePayloadIsAProtocolError) {
  auto outcome = read_whole(close_raw("\x03"));
  EXPECT_EQ(outcome.error, ReadError::protocol_error);
  EXPECT_TRUE(outcome.events.empty());
}

TEST(FrameReader, ACloseWithACodeNoPeerMaySendIsAProtocolError) {
  // 1005, 1006 and 1015 only ever stand for "no code"; 1004 is reserved; the rest are unassigned.
  for (const std::uint16_t code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535}) {
    auto outcome = read_whole(close_with(code, "why"));
    EXPECT_EQ(outcome.error, ReadError::protocol_error) << code;
    EXPECT_TRUE(outcome.events.empty()) << code;
  }
}

TEST(FrameReader, ACloseWithACodeAPeerMaySendIsAccepted) {
  for (const std::uint16_t code : {1000, 1001, 1002, 1003, 1007, 1011, 1014, 3000, 3999, 4000, 4999}) {
    EXPECT_EQ(read_whole(close_with(code)).events, Events{"close:" + std::to_string(code) + ":"}) << code;
  }
}

TEST(FrameReader, ACloseReasonThatIsNotUtf8IsInvalidUtf8) {
  auto outcome = read_whole(close_with(1000, "bad \xC3("));
  EXPECT_EQ(outcome.error, ReadError::invalid_utf8);
  EXPECT_TRUE(outcome.events.empty());
}

TEST(FrameReader, NothingIsReadAfterAClose) {
  FrameReader reader(kMax);
  Recorder sink;
  std::string bytes = close_with(1000) + text("too late");
  EXPECT_FALSE(reader.read(bytes, sink));
  EXPECT_TRUE(reader.done());
  std::string more = text("later still");
  EXPECT_FALSE(reader.read(more, sink));
  EXPECT_EQ(sink.events, Events{"close:1000:"});
}

TEST(FrameReader, ACloseSplitAcrossReadsIsReadOnceWhole) {
  auto outcome = read_byte_by_byte(close_with(1000, "done") + text("too late"));
  EXPECT_FALSE(outcome.error);
  EXPECT_EQ(outcome.events, Events{"close:1000:done"});
}

// ---- protocol errors

struct BadInput {
  const char* why;
  std::string bytes;
};

std::vector<BadInput> protocol_errors() {
  std::vector<BadInput> cases;
  for (std::uint8_t rsv = 1; rsv < 8; ++rsv) {
    ClientFrame built = frame(Opcode::text, "rsv");
    built.rsv = rsv;
    cases.push_back({"an RSV bit set without an extension", encode(built)});
  }
  ClientFrame unmasked = frame(Opcode::text, "plain");
  unmasked.masked = false;
  cases.push_back({"an unmasked frame", encode(unmasked)});
  for (const std::uint8_t opcode : {0x3, 0x4, 0x5, 0x6, 0x7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
    ClientFrame built = frame(Opcode::text, "?");
    built.opcode = opcode;
    cases.push_back({"an unknown opcode", encode(built)});
  }
  for (const Opcode control : {Opcode::ping, Opcode::pong, Opcode::close}) {
    cases.push_back({"a control frame without FIN", encode(frame(control, "", false))});
    cases.push_back({"a control frame over 125 bytes", encode(frame(control, std::string(126, 'c')))});
  }
  cases.push_back({"a continuation without a message", continuation("orphan", true)});
  cases.push_back({"an unfinished continuation without a message", continuation("orphan", false)});
  cases.push_back({"a text message during a fragmented one", text("a", false) + text("b")});
  cases.push_back({"a binary message during a fragmented one", text("a", false) + binary("b", false)});
  for (const std::size_t size : {0, 125}) {
    ClientFrame built = frame(Opcode::binary, std::string(size, 'n'));
    built.length_form = LengthForm::bits16;
    cases.push_back({"a 16-bit length under 126", encode(built)});
  }
  for (const std::size_t size : {0, 125, 126, 65535}) {
    ClientFrame built = frame(Opcode::binary, std::string(size, 'n'));
    built.length_form = LengthForm::bits64;
    cases.push_back({"a 64-bit length under 65536", encode(built)});
  }
  ClientFrame top_bit = frame(Opcode::binary, "");
  top_bit.declared_length = std::uint64_t{1} << 63;
  cases.push_back({"a 64-bit length with its top bit set", encode(top_bit)});
  return cases;
}

TEST(FrameReader, FramesBreakingTheProtocolAreProtocolErrorsWholeOrByteByByte) {
  for (const auto& bad : protocol_errors()) {
    // A good frame after the bad one must not be read.
    const std::string bytes = bad.bytes + text("after");
    auto whole = read_whole(bytes);
    EXPECT_EQ(whole.error, ReadError::protocol_error) << bad.why;
    EXPECT_TRUE(whole.events.empty()) << bad.why;
    auto split = read_byte_by_byte(bytes);
    EXPECT_EQ(split.error, ReadError::protocol_error) << bad.why;
    EXPECT_TRUE(split.events.empty()) << bad.why;
  }
}

TEST(FrameReader, NothingIsReadAfterAnError) {
  FrameReader reader(kMax);
  Recorder sink;
  std::string bad = continuation("orphan", true);
  EXPECT_EQ(reader.read(bad, sink), ReadError::protocol_error);
  EXPECT_TRUE(reader.done());
  std::string good = text("fine") + ping("x");
  EXPECT_FALSE(reader.read(good, sink));
  EXPECT_TRUE(sink.events.empty());
}

// ---- the message limit

TEST(FrameReader, AMessageAtTheLimitIsAccepted) {
  auto outcome = read_whole(binary(std::string(1000, 'm')), 1000);
  EXPECT_FALSE(outcome.error);
  EXPECT_EQ(outcome.events.size(), 1U);
}

TEST(FrameReader, AMessageDeclaredOverTheLimitIsTooBigBeforeItsPayloadArrives) {
  for (const std::uint64_t declared : {std::uint64_t{1001}, std::uint64_t{1} << 40}) {
    FrameReader reader(1000);
    Recorder sink;
    ClientFrame built = frame(Opcode::binary, "");
    built.declared_length = declared;
    std::string header = encode(built);  // the header alone: no payload sent yet
    EXPECT_EQ(reader.read(header, sink), ReadError::too_big) << declared;
    EXPECT_TRUE(reader.done());
    EXPECT_EQ(reader.held_bytes(), 0U);
  }
}

TEST(FrameReader, AFragmentedMessageOverTheLimitIsTooBig) {
  auto at_limit = read_whole(text("hello", false) + continuation("world", true), 10);
  EXPECT_FALSE(at_limit.error);
  EXPECT_EQ(at_limit.events, Events{"text:helloworld"});

  auto over = read_whole(text("hello", false) + continuation("world", false) + continuation("!", true), 10);
  EXPECT_EQ(over.error, ReadError::too_big);
  EXPECT_TRUE(over.events.empty());
}

TEST(FrameReader, AFragmentOverTheLimitIsTooBigOnItsHeaderAlone) {
  FrameReader reader(10);
  Recorder sink;
  std::string first = text("hello", false);
  EXPECT_FALSE(reader.read(first, sink));
  std::string second = continuation("world!", true);
  second.resize(6);  // header and mask key, none of the payload
  EXPECT_EQ(reader.read(second, sink), ReadError::too_big);
}

// ---- UTF-8

TEST(FrameReader, TextThatIsNotUtf8IsInvalidUtf8WhileTheSameBytesAsBinaryPass) {
  // Truncated, a stray continuation, overlong, a surrogate, past U+10FFFF.
  for (const std::string bad : {"caf\xC3", "\x80", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "ok\xFF"}) {
    auto as_text = read_whole(text(bad) + text("after"));
    EXPECT_EQ(as_text.error, ReadError::invalid_utf8);
    EXPECT_TRUE(as_text.events.empty());
    auto as_binary = read_whole(binary(bad));
    EXPECT_FALSE(as_binary.error);
    EXPECT_EQ(as_binary.events, Events{"binary:" + bad});
  }
}

TEST(FrameReader, FragmentedTextThatIsNotUtf8IsInvalidUtf8WhileTheSameBytesAsBinaryPass) {
  auto as_text = read_whole(text("ok", false) + continuation("\xFF", true));
  EXPECT_EQ(as_text.error, ReadError::invalid_utf8);
  EXPECT_TRUE(as_text.events.empty());
  auto as_binary = read_whole(binary("ok", false) + continuation("\xFF", true));
  EXPECT_FALSE(as_binary.error);
  EXPECT_EQ(as_binary.events, Events{"binary:ok\xFF"});
}

TEST(FrameReader, ACharacterSplitAcrossFragmentsIsValidText) {
  // U+2713 is E2 9C 93: each fragment alone is not UTF-8, the message is.
  auto outcome = read_whole(text("check \xE2", false) + continuation("\x9C", false) + continuation("\x93", true));
  EXPECT_FALSE(outcome.error);
  EXPECT_EQ(outcome.events, Events{"text:check \xE2\x9C\x93"});
}

// ---- the sink stopping

TEST(FrameReader, TheSinkReturningFalseStopsReading) {
  FrameReader reader(kMax);
  Recorder sink;
  sink.stop_after = 1;
  std::string bytes = text("first") + text("second") + ping("third");
  EXPECT_FALSE(reader.read(bytes, sink));
  EXPECT_TRUE(reader.done());
  EXPECT_EQ(reader.held_bytes(), 0U);
  std::string more = text("later");
  EXPECT_FALSE(reader.read(more, sink));
  EXPECT_EQ(sink.events, Events{"text:first"});
}

TEST(FrameReader, TheSinkStoppingOnAControlFrameStopsReading) {
  for (const std::string& control : {ping("p"), pong("p")}) {
    FrameReader reader(kMax);
    Recorder sink;
    sink.stop_after = 1;
    std::string bytes = control + text("after");
    EXPECT_FALSE(reader.read(bytes, sink));
    EXPECT_TRUE(reader.done());
    EXPECT_EQ(sink.events.size(), 1U);
  }
}

TEST(FrameReader, TheSinkStoppingInAHeldFrameDropsTheRest) {
  FrameReader reader(kMax);
  Recorder sink;
  sink.stop_after = 1;
  const std::string bytes = text("first") + text("second");
  std::string head = bytes.substr(0, 3);
  std::string tail = bytes.substr(3);
  EXPECT_FALSE(reader.read(head, sink));
  EXPECT_FALSE(reader.read(tail, sink));
  EXPECT_TRUE(reader.done());
  EXPECT_EQ(reader.held_bytes(), 0U);
  EXPECT_EQ(sink.events, Events{"text:first"});
}

// ---- what the server answers with

TEST(FrameReader, EachErrorHasItsCloseCode) {
  EXPECT_EQ(close_code_of(ReadError::protocol_error), 1002);
  EXPECT_EQ(close_code_of(ReadError::invalid_utf8), 1007);
  EXPECT_EQ(close_code_of(ReadError::too_big), 1009);
}

}  // namespace
}  // namespace talkline::transport::websocket
