#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "transport/engineio/server/session.hpp"
#include "transport/socketio/codec/encoder.hpp"
#include "transport/socketio/codec/packet.hpp"

namespace talkline::transport::socketio {

class Client;
class Socket;

/// The answer to an event that asked for one. Copyable; only the first call sends.
class Ack {
 public:
  Ack() = default;
  Ack(std::weak_ptr<Socket> socket, std::uint64_t id);

  explicit operator bool() const { return used_ != nullptr; }
  std::optional<std::uint64_t> id() const { return used_ ? std::optional(id_) : std::nullopt; }
  /// Sends the ACK with `args`; any thread; later calls do nothing.
  void operator()(Json::array_t args) const;
  /// Sends the ACK with arguments already serialised: `args_json` must be a JSON array
  /// without binary values. Any thread; later calls (of either kind) do nothing.
  void send_serialized(std::string_view args_json) const;

 private:
  std::weak_ptr<Socket> socket_;
  std::uint64_t id_ = 0;
  std::shared_ptr<std::atomic<bool>> used_;
};

/// Engine.IO messages for one encoded packet: the text, then one binary message per
/// attachment. Encode a fan-out once and hand the result to every Socket::send_raw.
std::vector<engineio::Packet> to_engine_packets(EncodedPacket encoded);

/// One client's membership of one namespace: what `socket` is in a Socket.IO server.
class Socket : public std::enable_shared_from_this<Socket> {
 public:
  using AckCallback = std::function<void(Json::array_t args)>;

  Socket(std::string id, std::string nsp, Json auth, std::shared_ptr<engineio::Session> session,
         std::weak_ptr<Client> client);

  /// Sent in the CONNECT answer; unique per membership.
  const std::string& id() const { return id_; }
  const std::string& nsp() const { return nsp_; }
  /// The CONNECT payload (an object, or null when the client sent none).
  const Json& auth() const { return auth_; }
  /// The HTTP request that opened the underlying Engine.IO session.
  const http::Request& handshake() const { return session_->handshake(); }
  /// The event loop this client's connection lives on; its callbacks run there.
  const engineio::Loop& loop() const { return session_->loop(); }
  /// Bytes waiting to be written to this client's connection (all namespaces).
  std::size_t buffered_bytes() const { return session_->buffered_bytes(); }
  /// Accepted and not yet disconnected. Any thread.
  bool connected() const { return connected_.load(std::memory_order_acquire); }

  /// `socket.emit(event, ...args)`. Any thread. Events with reserved names are dropped.
  void emit(std::string_view event, Json::array_t args = {});
  /// Emits and asks for an answer: `on_answer` runs on the connection's loop with
  /// the client's arguments; never, if the client disconnects first.
  void emit_with_ack(std::string_view event, Json::array_t args, AckCallback on_answer);
  /// Sends already encoded Engine.IO messages (see to_engine_packets). Any thread. The
  /// packets' bytes are shared with every other socket they are sent to, not copied.
  void send_raw(std::span<const engineio::Packet> packets);
  /// Closes the whole connection without a DISCONNECT packet, so a client library
  /// treats it as a lost connection and reconnects. Any thread.
  void close_connection(std::string reason) { session_->close(std::move(reason)); }
  /// Ends this membership with a DISCONNECT packet; with `close_connection`, the
  /// whole connection too. Any thread.
  void disconnect(bool close_connection = false);

  /// Lets the application hang its own state on the socket. Set it in the namespace's
  /// authorize or on_connection handler; read it anywhere after.
  void set_data(std::shared_ptr<void> data) { data_ = std::move(data); }
  template <typename T>
  T* data() const {
    return static_cast<T*>(data_.get());
  }

 private:
  friend class Client;
  friend class Ack;

  void send_packet(const Packet& packet);
  /// Sends one Socket.IO packet whose text is ready (no attachments).
  void send_text_packet(std::string text);
  /// Client side, on the loop: the ACK the client sent for one of our emits.
  void resolve_ack(std::uint64_t id, Json::array_t args);

  const std::string id_;
  const std::string nsp_;
  const Json auth_;
  std::shared_ptr<engineio::Session> session_;
  std::weak_ptr<Client> client_;
  std::atomic<bool> connected_{false};
  std::shared_ptr<void> data_;

  std::mutex acks_mutex_;
  std::uint64_t next_ack_id_ = 0;
  std::unordered_map<std::uint64_t, AckCallback> pending_acks_;
};

}  // namespace talkline::transport::socketio
