#pragma once

// A server-side WebSocket on a TCP socket, from just after the handshake (Beast
// answers that) to the end. It owns the framing both ways, so that:
// - an idle connection holds a small read chunk and nothing else (Beast's stream kept
//   about 3 KiB per connection: its buffers, timer and pending composed read);
// - every frame queued during one loop turn goes out in one gather write, not one
//   write per frame;
// - pings, pongs and the close handshake are answered here, between data frames,
//   without a second writer on the socket.
//
// Everything runs on the loop that owns the socket; no call is thread-safe.

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "transport/asio/asio.hpp"
#include "transport/websocket/codec/frame.hpp"
#include "transport/websocket/codec/frame_reader.hpp"
#include "util/shared_bytes.hpp"

namespace talkline::transport::websocket {

class Stream;

/// How a stream ended, when its handler did not end it.
enum class End : std::uint8_t {
  peer_closed,  // the client sent a close frame (answered)
  broken,       // the connection failed or was cut without a close frame
  refused,      // the client broke the protocol; a close frame with the reason went out
};

/// Hears a stream's messages and its end. Called on the stream's loop.
class StreamHandler {
 public:
  virtual ~StreamHandler() = default;
  /// A whole message; `data` lives until the call returns. The handler may send,
  /// close or abort from here.
  virtual void on_message(Stream& stream, bool binary, std::string_view data) = 0;
  /// A batch of frames was written: queued_bytes() went down.
  virtual void on_written(Stream& stream) = 0;
  /// Once, unless the handler ended the stream itself (close, abort, detach).
  virtual void on_end(Stream& stream, End end) = 0;
};

class Stream : public std::enable_shared_from_this<Stream>, private FrameSink {
 public:
  /// `max_message`: the longest message accepted (1009 beyond it).
  Stream(boost::asio::ip::tcp::socket socket, std::size_t max_message);

  /// Starts reading. `owner` is kept alive until the handler is let go: the handler is
  /// usually the owner itself, which holds the stream in turn.
  void start(StreamHandler& handler, std::shared_ptr<void> owner);

  /// Queues one frame whose payload is `prefix` (at most 4 bytes) followed by `body`.
  /// It goes out with everything else queued in this loop turn, in one write. Ignored
  /// once the stream is closing. The frame keeps a reference to `body`, not a copy, so
  /// one event queued on many streams is one buffer; only the header is per frame.
  void send(Opcode opcode, std::string_view prefix, util::SharedBytes body);
  void send(Opcode opcode, std::string_view prefix, std::string body) {
    send(opcode, prefix, util::SharedBytes(std::move(body)));
  }
  /// Bytes queued or being written.
  std::size_t queued_bytes() const { return queued_bytes_; }
  bool is_open() const { return state_ == State::open; }

  /// Sends what is queued, then a close frame; closes the socket when the client
  /// answers it, or `close_timeout` after this call if it never does (a client that
  /// stops reading never gets the close frame to answer). The handler hears nothing more.
  void close(std::uint16_t code = close_code::normal);
  /// Closes the socket now and drops what is queued. The handler hears nothing more.
  void abort();
  /// Lets go of the handler and the owner without touching the socket: for the end of
  /// shutdown, when no loop runs any more.
  void detach();

  static constexpr std::chrono::seconds close_timeout{5};

  /// For FlushQueue: the loop turn that queued frames has ended; write them.
  void flush_turn();

 private:
  enum class State : std::uint8_t {
    open,
    closing,  // our close frame is queued or sent; reading waits for the client's
    closed,   // the socket is closed
  };
  /// One queued frame: its header (plus the payload prefix) and the rest of the payload,
  /// shared with every other stream the same bytes were queued on.
  struct OutFrame {
    std::array<std::uint8_t, kMaxHeaderBytes + 4> head;
    std::uint8_t head_size;
    util::SharedBytes body;
  };
  // FrameSink: what the reader finds.
  bool on_message(bool binary, std::string_view data) override;
  bool on_ping(std::string_view payload) override;
  bool on_pong(std::string_view payload) override;
  void on_close(std::optional<std::uint16_t> code, std::string_view reason) override;

  void read_next();
  void on_read(boost::system::error_code ec, std::size_t size);
  /// Reads what else the socket holds once a read filled the whole chunk.
  boost::system::error_code drain(std::size_t first, std::optional<ReadError>& error);
  void queue_frame(Opcode opcode, std::string_view prefix, util::SharedBytes body);
  void schedule_flush();
  void flush();
  void on_batch_written(boost::system::error_code ec);
  void after_close_frame();
  void on_socket_error();
  void queue_close(std::uint16_t code, std::string_view reason);
  void shut();
  /// Ends the stream for a reason of its own: cut (broken) or with a close frame.
  void end(End end, std::uint16_t code = close_code::normal, std::string_view reason = {});
  /// Lets go of the handler and the owner; the handler hears nothing more.
  void release_handler();

  boost::asio::ip::tcp::socket socket_;
  FrameReader reader_;
  StreamHandler* handler_ = nullptr;
  std::shared_ptr<void> owner_;
  State state_ = State::open;
  // The client has closed (or broke the protocol): no answer to our close frame is awaited.
  bool hang_up_after_close_ = false;
  bool flush_queued_ = false;
  bool writing_ = false;
  bool close_queued_ = false;                               // our close frame is the last frame queued
  std::vector<OutFrame> queued_;                            // waiting for the next write
  std::vector<OutFrame> writing_frames_;                    // in the write under way
  std::vector<boost::asio::const_buffer> pending_buffers_;  // what a write that had to wait has left
  std::size_t queued_bytes_ = 0;
  std::unique_ptr<boost::asio::steady_timer> close_timer_;
  // What an idle connection reserves for the next read; most client frames fit.
  static constexpr std::size_t kReadChunk = 512;
  std::array<char, kReadChunk> read_chunk_;
};

}  // namespace talkline::transport::websocket
