#pragma once

// Reads what a client sends over a WebSocket (RFC 6455 §5): frames, whole or in
// pieces as the socket delivers them, into messages and control frames.
//
// Every client frame is masked (§5.3); the reader unmasks in place, so it takes the
// bytes mutable. A message that fits one frame and arrives whole in one read is handed
// on where it lies, with no copy; only a frame split across reads, or a message split
// across frames, is gathered in memory the reader owns, and released once complete.
// No extensions are negotiated, so any RSV bit is an error.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "transport/websocket/codec/frame.hpp"

namespace talkline::transport::websocket {

/// Why the reader gave up on a stream, and the close code the server answers with.
enum class ReadError : std::uint8_t {
  protocol_error,  // 1002: a frame breaking RFC 6455
  invalid_utf8,    // 1007: a text message or close reason that is not UTF-8
  too_big,         // 1009: a message longer than the limit
};
std::uint16_t close_code_of(ReadError error);
std::string_view describe(ReadError error);

/// What the reader finds, in order. Each call returns whether to read on: false stops
/// the reader at once (the stream is ending), and later input is ignored.
class FrameSink {
 public:
  virtual ~FrameSink() = default;
  /// A whole message; text is valid UTF-8. `data` lives until the call returns.
  virtual bool on_message(bool binary, std::string_view data) = 0;
  virtual bool on_ping(std::string_view payload) = 0;
  virtual bool on_pong(std::string_view payload) = 0;
  /// The client's close frame; nothing after it is read. `code` is empty when the
  /// frame carried none.
  virtual void on_close(std::optional<std::uint16_t> code, std::string_view reason) = 0;
};

class FrameReader {
 public:
  /// `max_message`: the longest message (all its frames together) accepted.
  explicit FrameReader(std::size_t max_message) : max_message_(max_message) {}

  /// Reads `bytes`, the next ones from the socket, telling `sink` of everything
  /// complete; keeps an incomplete tail for the next call. An error ends the stream:
  /// nothing more is read after it.
  std::optional<ReadError> read(std::span<char> bytes, FrameSink& sink);

  /// True once a close frame was read, an error found or the sink asked to stop.
  bool done() const { return done_; }
  /// Bytes held between calls (an incomplete frame, a message's earlier frames).
  std::size_t held_bytes() const { return partial_.size() + message_.size(); }

 private:
  std::optional<ReadError> read_frames(std::span<char> bytes, std::size_t& used, FrameSink& sink);
  std::optional<ReadError> deliver(Opcode opcode, bool fin, std::span<char> payload, FrameSink& sink);

  std::size_t max_message_;
  std::string partial_;  // the start of a frame the last read cut off
  std::string message_;  // the frames so far of a fragmented message
  bool in_message_ = false;
  bool message_binary_ = false;
  bool done_ = false;
};

}  // namespace talkline::transport::websocket
