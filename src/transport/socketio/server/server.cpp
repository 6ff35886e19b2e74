#include "transport/socketio/server/server.hpp"

#include "transport/socketio/server/client.hpp"

namespace talkline::transport::socketio {

Server::Server(ServerOptions options) : state_(std::make_shared<ServerState>()) { state_->options = options; }

void Server::on(std::string nsp, NamespaceHandlers handlers) {
  state_->namespaces[std::move(nsp)] = std::move(handlers);
}

engineio::Server::ConnectionHandler Server::connection_handler() {
  std::shared_ptr<const ServerState> state = state_;
  return [state](const std::shared_ptr<engineio::Session>& session) {
    auto client = std::make_shared<Client>(session, state);
    session->set_listener(client);
    client->start();
  };
}

}  // namespace talkline::transport::socketio
