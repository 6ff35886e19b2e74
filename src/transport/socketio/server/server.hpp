#pragma once

#include <memory>
#include <string>

#include "transport/engineio/server/server.hpp"
#include "transport/socketio/server/server_state.hpp"

namespace talkline::transport::socketio {

/// A Socket.IO v5 server over an Engine.IO server: namespaces, CONNECT with auth,
/// events and acks in both directions, binary attachments, DISCONNECT, and closing
/// the connection on a malformed packet. Knows nothing about what the events mean.
///
///   socketio::Server io(options);
///   io.on("/", handlers);
///   auto engine = std::make_shared<engineio::Server>(engine_options, io.connection_handler());
///   http_server.add_stream_handler("/socket.io/", engine);
class Server {
 public:
  explicit Server(ServerOptions options = {});

  /// Declares a namespace. Call before connection_handler(); a CONNECT to any
  /// namespace not declared is refused with "Invalid namespace".
  void on(std::string nsp, NamespaceHandlers handlers);

  /// What the Engine.IO server calls for each new session. Freezes the namespaces.
  engineio::Server::ConnectionHandler connection_handler();

 private:
  std::shared_ptr<ServerState> state_;
};

}  // namespace talkline::transport::socketio
