// libFuzzer target for the WebSocket frame reader. Its input is whatever a client
// sends, cut wherever the socket happens to cut it, so no input and no way of cutting
// it may crash the reader, break what it promises its sink (valid UTF-8 text, messages
// within the limit, silence once it is done), hold more than the limit between reads,
// or read differently depending on where the cuts fall.
//
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
//     tests/fuzz/fuzz_websocket_frames.cpp src/transport/websocket/codec/*.cpp src/util/utf8.cpp \
//     -o /tmp/fws && /tmp/fws -max_total_time=60
//
// Input: one byte picks the message limit, one how the rest is cut, one after how many
// events the sink asks to stop (0: never); the rest are the bytes from the client.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "transport/websocket/codec/frame.hpp"
#include "transport/websocket/codec/frame_reader.hpp"
#include "util/utf8.hpp"

using namespace talkline;
using namespace talkline::transport::websocket;

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_websocket_frames: %s\n", what);
  std::abort();
}

struct Event {
  char kind;  // t(ext), b(inary), i (ping), o (pong), c(lose)
  std::string data;
  bool operator==(const Event&) const = default;
};

// Records what the reader finds and checks each event against the reader's promises.
class CheckingSink : public FrameSink {
 public:
  CheckingSink(std::size_t max_message, std::size_t stop_after) : max_(max_message), stop_after_(stop_after) {}

  std::vector<Event> events;
  bool stopped = false;  // answered false: the reader must say nothing more

  bool on_message(bool binary, std::string_view data) override {
    if (data.size() > max_) fail("a message over the limit was delivered");
    if (!binary && !util::utf8_valid(data)) fail("text that is not UTF-8 was delivered");
    return record(binary ? 'b' : 't', data);
  }
  bool on_ping(std::string_view payload) override {
    if (payload.size() > kMaxControlPayload) fail("a ping over 125 bytes was delivered");
    return record('i', payload);
  }
  bool on_pong(std::string_view payload) override {
    if (payload.size() > kMaxControlPayload) fail("a pong over 125 bytes was delivered");
    return record('o', payload);
  }
  void on_close(std::optional<std::uint16_t> code, std::string_view reason) override {
    if (code && !close_code_allowed(*code)) fail("a close code no peer may send was delivered");
    if (!code && !reason.empty()) fail("a close reason without a code");
    if (reason.size() > kMaxControlPayload - 2) fail("a close reason over 123 bytes was delivered");
    if (!util::utf8_valid(reason)) fail("a close reason that is not UTF-8 was delivered");
    std::string data = code ? std::to_string(*code) + ":" + std::string(reason) : "none";
    record('c', data);
    closed_ = true;
  }

 private:
  bool record(char kind, std::string_view data) {
    if (stopped || closed_) fail("an event after the sink stopped or the client closed");
    events.push_back({kind, std::string(data)});
    if (stop_after_ != 0 && events.size() >= stop_after_) stopped = true;
    return !stopped;
  }

  std::size_t max_;
  std::size_t stop_after_;
  bool closed_ = false;
};

struct Outcome {
  std::vector<Event> events;
  std::optional<ReadError> error;
};

// Feeds `bytes` in pieces ending at `cuts`, each in a buffer of its own (the reader
// unmasks in place, and a socket read's buffer is reused).
Outcome feed(std::string_view bytes, const std::vector<std::size_t>& cuts, std::size_t max_message,
             std::size_t stop_after) {
  FrameReader reader(max_message);
  CheckingSink sink(max_message, stop_after);
  Outcome outcome;
  std::size_t from = 0;
  for (std::size_t i = 0; i <= cuts.size(); ++i) {
    const std::size_t to = i < cuts.size() ? cuts[i] : bytes.size();
    std::string piece(bytes.substr(from, to - from));
    from = to;
    const bool was_done = reader.done();
    const std::size_t events_before = sink.events.size();
    const auto error = reader.read(piece, sink);
    if (was_done && (error || sink.events.size() != events_before)) fail("the reader read on after it was done");
    if (error) {
      if (outcome.error) fail("a second error");
      if (!reader.done()) fail("an error did not end the reader");
      outcome.error = error;
    }
    if (sink.stopped && !reader.done()) fail("the sink stopped but the reader is not done");
    // An incomplete frame is held whole only when within the limit (or a control frame),
    // a fragmented message only within the limit.
    const std::size_t bound = kMaxHeaderBytes + 4 + std::max(max_message, kMaxControlPayload) + max_message;
    if (reader.held_bytes() > bound) fail("the reader holds more than the limit allows");
  }
  outcome.events = std::move(sink.events);
  return outcome;
}

// Limits around the length forms' bounds and the control frames' 125.
constexpr std::size_t kLimits[] = {0, 1, 7, 125, 126, 300, 65535, 1 << 20};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const std::size_t max_message = kLimits[data[0] % std::size(kLimits)];
  const std::uint8_t cutting = data[1];
  const std::size_t stop_after = data[2] % 8;
  const std::string_view bytes(reinterpret_cast<const char*>(data + 3), size - 3);

  std::vector<std::size_t> cuts;
  if (cutting == 0xFF) {
    for (std::size_t i = 1; i < bytes.size(); ++i) cuts.push_back(i);  // byte by byte
  } else if (!bytes.empty()) {
    std::uint32_t state = 0x9E3779B9u ^ cutting;
    for (int i = 0; i < cutting % 16; ++i) {
      state ^= state << 13;
      state ^= state >> 17;
      state ^= state << 5;
      cuts.push_back(state % (bytes.size() + 1));
    }
    std::sort(cuts.begin(), cuts.end());
  }

  const Outcome whole = feed(bytes, {}, max_message, stop_after);
  const Outcome split = feed(bytes, cuts, max_message, stop_after);
  // Where the socket cuts the bytes must change nothing: not the events, not the error.
  if (whole.events != split.events) fail("split reads gave other events than one read");
  if (whole.error != split.error) fail("split reads gave another error than one read");
  return 0;
}
