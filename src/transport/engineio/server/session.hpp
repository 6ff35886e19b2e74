#pragma once

// One Engine.IO session: the packets queued for the client, the transport that
// carries them (long-polling, then perhaps WebSocket), and the heartbeat.
//
// Every member is touched only on the session's loop. The public calls that an
// upper layer makes (send, close) may come from any thread and hop onto it.

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "transport/asio/asio.hpp"
#include "transport/engineio/codec/packet.hpp"
#include "transport/engineio/codec/request.hpp"
#include "transport/engineio/codec/websocket_frame.hpp"
#include "transport/engineio/server/engine_options.hpp"
#include "transport/engineio/server/heartbeats.hpp"
#include "transport/http/message.hpp"

namespace talkline::transport::engineio {

/// The event loop a session lives on: one thread runs it, so no strand is needed.
using Loop = boost::asio::io_context::executor_type;
// On the bare socket: the WebSocket stream keeps its own timer for the handshake timeout,
// and Engine.IO's heartbeat covers the rest, so tcp_stream's timers would only cost memory.
using WsStream = boost::beast::websocket::stream<boost::asio::ip::tcp::socket>;
using UpgradeRequest = boost::beast::http::request<boost::beast::http::string_body>;

/// What the layer above (Socket.IO) hears from a session. Called on the session's loop.
class SessionListener {
 public:
  virtual ~SessionListener() = default;
  virtual void on_message(Packet packet) = 0;
  /// Once, when the session ends for any reason ("transport close", "ping timeout",
  /// "parse error", "send buffer overflow", "server close", …).
  virtual void on_close(const std::string& reason) = 0;
};

class Session : public HeartbeatTarget, public std::enable_shared_from_this<Session> {
 public:
  /// `forget` removes the session from the server's table; called once, on close.
  Session(Loop loop, std::string sid, std::shared_ptr<const EngineOptions> options, http::Request handshake,
          Transport transport, bool base64_binary, std::function<void(const std::string&)> forget);

  const std::string& id() const { return sid_; }
  /// The request that opened the session (headers, query, remote address; no body).
  const http::Request& handshake() const { return handshake_; }
  const Loop& loop() const { return loop_; }

  /// Loop only; before the first packet can arrive (i.e. from on_connection).
  void set_listener(std::shared_ptr<SessionListener> listener) { listener_ = std::move(listener); }

  /// Queues packets for the client, in order, kept together. Any thread.
  void send(std::vector<Packet> packets);
  void send(Packet packet);
  /// Bytes queued for the client and not yet written. Any thread; a moment's snapshot,
  /// for pacing bulk sends (catch-up) below max_buffered_bytes.
  std::size_t buffered_bytes() const { return buffered_.load(std::memory_order_relaxed); }
  /// Ends the session from the server side: what is queued still goes out, then a
  /// close packet (polling) or a close frame (WebSocket). Any thread.
  void close(std::string reason);

  /// Breaks every reference the session holds (listener, WebSockets, queue) without
  /// telling anyone. Only once no event loop runs: at the very end of shutdown.
  void abandon();

  // The rest is for the Server, on the loop.

  Transport transport() const { return transport_; }
  bool is_open() const { return state_ == State::open; }
  /// Starts the heartbeat; the first ping goes out after ping_interval.
  void start();
  /// From the loop's Heartbeats.
  void heartbeat_due(std::uint64_t arming) override;
  /// A GET on the polling transport: waits for packets, returns the payload.
  boost::asio::awaitable<http::Response> poll();
  /// A POST on the polling transport: the client's packets.
  http::Response receive(const std::string& body);
  /// Serves a session opened directly on WebSocket, whose open packet the server has
  /// sent. Reading goes on in a coroutine of its own.
  void run_websocket(std::shared_ptr<WsStream> ws);
  /// Takes a WebSocket that asks to replace the polling transport (probe, upgrade).
  /// Returns once the upgrade is done or failed; after a success, reading goes on in a
  /// coroutine of its own, so nothing of the upgrade stays in memory for the session's life.
  boost::asio::awaitable<void> run_upgrade(std::shared_ptr<WsStream> ws);
  /// A refusal the Server gives for this session's sid, or nullopt to go on.
  std::optional<RequestError> refuse_request(Transport requested) const;

 private:
  // `closing`: ended by us on polling with no GET waiting; the queue (ending in a
  // close packet) is kept for the next GET, for at most ping_timeout.
  enum class State { open, closing, closed };
  /// How the transport is let go when the session ends.
  enum class Ending {
    graceful,       // we close: flush, then close packet / close frame
    client_closed,  // the client sent close: release a waiting GET with a noop
    abort,          // broken or overflowing: drop the queue, cut the connection
  };

  void enqueue(std::vector<Packet> packets);
  void take_inbox();
  void flush();
  void on_packet(Packet packet);
  void finish(const std::string& reason, Ending ending);
  void forget();
  /// What the armed heartbeat deadline means when it comes due.
  enum class Deadline {
    none,
    ping,    // time to ping
    pong,    // the client has not answered the ping
    linger,  // closing: the kept queue's last chance to be fetched
  };
  /// Replaces any deadline armed before.
  void arm(Deadline deadline, std::chrono::milliseconds span);
  /// Reads message after message with completion handlers, not a coroutine: an idle
  /// connection then holds only Beast's pending read, not a chain of coroutine frames.
  void read_next(std::shared_ptr<WsStream> ws);
  void on_read(std::shared_ptr<WsStream> ws, boost::system::error_code ec);
  boost::asio::awaitable<void> write_loop();
  boost::asio::awaitable<void> close_websocket(std::shared_ptr<WsStream> ws, bool graceful);
  std::vector<Packet> take_outbox();

  Loop loop_;
  const std::string sid_;
  std::shared_ptr<const EngineOptions> options_;
  const http::Request handshake_;
  Transport transport_;
  BinaryEncoding binary_encoding_;
  std::function<void(const std::string&)> forget_;
  std::shared_ptr<SessionListener> listener_;
  State state_ = State::open;

  // Packets sent from other threads wait here for the loop. One post drains all
  // that arrived meanwhile, rather than one post per packet.
  std::mutex inbox_mutex_;
  std::vector<Packet> inbox_;  // guarded by inbox_mutex_
  bool inbox_posted_ = false;  // guarded by inbox_mutex_

  // A vector rather than a deque: an idle session's empty queue owns no memory. The
  // writer takes it whole and writes the batch while new packets queue behind it.
  std::vector<Packet> outbox_;
  std::size_t outbox_bytes_ = 0;
  std::atomic<std::size_t> buffered_{0};  // outbox_bytes_, readable from other threads
  bool overflowed_ = false;

  // heartbeat: one deadline at a time, on the loop's Heartbeats
  Deadline deadline_ = Deadline::none;
  std::uint64_t arming_ = 0;  // the current deadline's number; earlier ones are void
  bool awaiting_pong_ = false;

  // polling; made by the first GET that has to wait, so WebSocket sessions never hold one
  std::unique_ptr<boost::asio::steady_timer> poll_wakeup_;
  bool poll_waiting_ = false;

  // websocket, once it carries the session
  std::shared_ptr<WsStream> ws_;
  boost::beast::flat_buffer read_buffer_;  // empty between messages
  bool writing_ = false;

  // upgrade in progress
  std::shared_ptr<WsStream> probe_;
  bool upgrading_ = false;
  bool probed_ = false;
};

}  // namespace talkline::transport::engineio
