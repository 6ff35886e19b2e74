#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "message_scan.hpp"
#include "transport/asio/asio.hpp"
#include "transport/socketio/codec/decoder.hpp"
#include "util/json.hpp"

namespace talkline::bench {

/// One Socket.IO client over the Engine.IO WebSocket transport, joined to namespace "/".
///
/// Everything runs on the connection's own strand: call connect(), start(), send() and
/// emit() there (close() may be called from anywhere). Handlers run on the strand too.
class SioConnection : public std::enable_shared_from_this<SioConnection> {
 public:
  using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;
  /// An ack: its id and its argument array.
  using AckHandler = std::function<void(std::uint64_t, const util::Json&)>;
  /// A server event: its name and first argument (null when it has none).
  using EventHandler = std::function<void(const std::string&, const util::Json&)>;

  explicit SioConnection(boost::asio::io_context& context);

  Strand strand() const { return strand_; }

  /// Opens TCP (from `source_address` unless empty), upgrades to WebSocket, reads the
  /// Engine.IO open packet and sends CONNECT with {token}. Returns an empty string once
  /// the server accepted it, otherwise what went wrong (a CONNECT_ERROR's message
  /// included). Gives up after `timeout`.
  boost::asio::awaitable<std::string> connect(boost::asio::ip::tcp::endpoint server, std::string host_header,
                                              std::string source_address, std::string token,
                                              std::chrono::milliseconds timeout);

  void on_ack(AckHandler handler) { on_ack_ = std::move(handler); }
  void on_event(EventHandler handler) { on_event_ = std::move(handler); }
  /// Takes every `message:new` (instead of on_event), read by the fast scanner.
  void on_message_new(std::function<void(const MessageNewView&)> handler) { on_message_new_ = std::move(handler); }

  /// Starts the read loop after a successful connect: answers pings, dispatches acks and events.
  void start();

  /// `socket.emit(event, payload)` asking for ack `ack_id`.
  void emit(std::string_view event, const util::Json& payload, std::uint64_t ack_id);

  /// Queues one Engine.IO text message.
  void send(std::string message);

  /// Closes the TCP connection; the read loop ends.
  void close();

  bool is_open() const { return open_.load(std::memory_order_relaxed); }

 private:
  boost::asio::awaitable<void> read_loop(std::shared_ptr<SioConnection> self);
  boost::asio::awaitable<void> write_loop(std::shared_ptr<SioConnection> self);
  void handle_message(std::string_view text);
  void dispatch_event(const util::Json& data);

  Strand strand_;
  boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_;
  boost::beast::flat_buffer buffer_;
  boost::asio::steady_timer deadline_;
  transport::socketio::Decoder decoder_;
  std::deque<std::string> outbox_;
  bool writing_ = false;
  bool joined_ = false;
  std::atomic<bool> open_{false};
  AckHandler on_ack_;
  EventHandler on_event_;
  std::function<void(const MessageNewView&)> on_message_new_;
};

}  // namespace talkline::bench
