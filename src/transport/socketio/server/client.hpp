#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "transport/asio/asio.hpp"
#include "transport/engineio/server/session.hpp"
#include "transport/socketio/codec/decoder.hpp"
#include "transport/socketio/server/server_state.hpp"
#include "transport/socketio/server/socket.hpp"

namespace talkline::transport::socketio {

/// The Socket.IO side of one Engine.IO session: decodes its messages, keeps one
/// Socket per joined namespace, and routes packets to them. Lives on the session's
/// loop; the session owns it (as its listener) until the session closes.
class Client : public engineio::SessionListener, public std::enable_shared_from_this<Client> {
 public:
  Client(std::shared_ptr<engineio::Session> session, std::shared_ptr<const ServerState> server);

  /// Loop: begins the connect timeout.
  void start();

  void on_message(engineio::Packet packet) override;
  void on_close(const std::string& reason) override;

  /// Loop: the server ends `socket`'s membership.
  void disconnect(const std::shared_ptr<Socket>& socket, bool close_connection);

 private:
  void dispatch(Packet packet);
  void connect(Packet packet);
  void finish_connect(const std::shared_ptr<Socket>& socket, std::optional<ConnectRefusal> refusal);
  void client_disconnect(const std::string& nsp);
  void event(Packet packet);
  void ack(Packet packet);
  void close_connection(const std::string& reason);
  std::shared_ptr<Socket> connected_socket(const std::string& nsp) const;
  const NamespaceHandlers* handlers_of(const std::string& nsp) const;

  std::shared_ptr<engineio::Session> session_;
  std::shared_ptr<const ServerState> server_;
  Decoder decoder_;
  std::unordered_map<std::string, std::shared_ptr<Socket>> sockets_;  // by namespace, pending ones too
  // Only until the first namespace is connected: not held for the connection's life.
  std::unique_ptr<boost::asio::steady_timer> connect_timer_;
  // Any CONNECT came, accepted or not: until then every other packet ends the connection.
  bool received_connect_ = false;
  bool closed_ = false;
};

}  // namespace talkline::transport::socketio
