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
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "transport/asio/asio.hpp"
#include "transport/engineio/codec/packet.hpp"
#include "transport/engineio/codec/request.hpp"
#include "transport/engineio/codec/websocket_frame.hpp"
#include "transport/engineio/server/engine_options.hpp"
#include "transport/engineio/server/heartbeats.hpp"
#include "transport/http/message.hpp"
#include "transport/websocket/stream/stream.hpp"

namespace talkline::transport::engineio {

/// The event loop a session lives on: one thread runs it, so no strand is needed.
using Loop = boost::asio::io_context::executor_type;
using WebSocket = websocket::Stream;

/// What the layer above (Socket.IO) hears from a session. Called on the session's loop.
class SessionListener {
 public:
  virtual ~SessionListener() = default;
  virtual void on_message(Packet packet) = 0;
  /// Once, when the session ends for any reason ("transport close", "ping timeout",
  /// "parse error", "send buffer overflow", "server close", …).
  virtual void on_close(const std::string& reason) = 0;
};

class Session : public HeartbeatTarget, private websocket::StreamHandler, public std::enable_shared_from_this<Session> {
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

  /// Queues packets for the client, in order, kept together. Any thread. The packets'
  /// bytes are shared, not copied: one event sent to many sessions stays one buffer
  /// down to each WebSocket's write.
  void send(std::span<const Packet> packets);
  void send(const Packet& packet) { send(std::span<const Packet>(&packet, 1)); }
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
  /// queued on it.
  void run_websocket(std::shared_ptr<WebSocket> ws);
  /// Takes a WebSocket that asks to replace the polling transport: the client probes
  /// it, then asks to upgrade; anything else, or silence past upgrade_timeout, drops
  /// it and the session goes on over polling.
  void begin_upgrade(std::shared_ptr<WebSocket> ws);
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

  void enqueue(std::span<const Packet> packets);
  void enqueue(const Packet& packet) { enqueue(std::span<const Packet>(&packet, 1)); }
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
  // websocket::StreamHandler, for the session's WebSocket and a probing one
  void on_message(websocket::Stream& stream, bool binary, std::string_view data) override;
  void on_written(websocket::Stream& stream) override;
  void on_end(websocket::Stream& stream, websocket::End end) override;

  /// Queues one packet as one frame on the WebSocket.
  void write_packet(const Packet& packet);
  /// Moves what waited in the outbox (sent before the WebSocket took over) onto it.
  void hand_outbox_to_websocket();
  void on_probe_message(bool binary, std::string_view data);
  void complete_upgrade();
  void drop_upgrade();
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

  // websocket, once it carries the session; it keeps its own queue, so the outbox is
  // for polling only
  std::shared_ptr<WebSocket> ws_;

  // upgrade in progress
  std::shared_ptr<WebSocket> probe_;
  std::unique_ptr<boost::asio::steady_timer> upgrade_deadline_;
  bool upgrading_ = false;
  bool probed_ = false;
};

}  // namespace talkline::transport::engineio
