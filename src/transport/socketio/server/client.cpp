#include "transport/socketio/server/client.hpp"

#include <iterator>

#include "transport/engineio/codec/handshake.hpp"

namespace talkline::transport::socketio {

namespace net = boost::asio;
using boost::system::error_code;

Client::Client(std::shared_ptr<engineio::Session> session, std::shared_ptr<const ServerState> server)
    : session_(std::move(session)), server_(std::move(server)), decoder_(server_->options.decoder) {}

void Client::start() {
  connect_timer_ = std::make_unique<boost::asio::steady_timer>(session_->loop());
  connect_timer_->expires_after(server_->options.connect_timeout);
  connect_timer_->async_wait([weak = weak_from_this()](error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->closed_) return;
    for (const auto& [nsp, socket] : self->sockets_) {
      if (socket->connected()) return;
    }
    self->close_connection("connect timeout");
  });
}

void Client::on_message(engineio::Packet packet) {
  if (closed_) return;
  auto result = packet.is_binary() ? decoder_.feed_binary(packet.data()) : decoder_.feed_text(packet.data());
  if (!result) {
    close_connection("parse error");
    return;
  }
  if (*result) dispatch(std::move(**result));
}

void Client::dispatch(Packet packet) {
  // The spec: a server that does not receive CONNECT first closes the connection at
  // once, rather than letting the connect timeout do it.
  if (packet.type != PacketType::connect && !received_connect_) {
    close_connection("parse error");
    return;
  }
  switch (packet.type) {
    case PacketType::connect: connect(std::move(packet)); break;
    case PacketType::disconnect: client_disconnect(packet.nsp); break;
    case PacketType::event:
    case PacketType::binary_event: event(std::move(packet)); break;
    case PacketType::ack:
    case PacketType::binary_ack: ack(std::move(packet)); break;
    case PacketType::connect_error:
      close_connection("parse error");  // only servers send it
      break;
  }
}

const NamespaceHandlers* Client::handlers_of(const std::string& nsp) const {
  auto it = server_->namespaces.find(nsp);
  return it == server_->namespaces.end() ? nullptr : &it->second;
}

std::shared_ptr<Socket> Client::connected_socket(const std::string& nsp) const {
  auto it = sockets_.find(nsp);
  if (it == sockets_.end() || !it->second->connected()) return nullptr;
  return it->second;
}

void Client::connect(Packet packet) {
  received_connect_ = true;
  const auto* handlers = handlers_of(packet.nsp);
  if (!handlers) {
    session_->send(to_engine_packets(encode(make_connect_error(packet.nsp, "Invalid namespace"))));
    return;
  }
  if (sockets_.contains(packet.nsp)) return;  // already joined, or being decided
  auto socket =
      std::make_shared<Socket>(engineio::make_sid(), packet.nsp, std::move(packet.data), session_, weak_from_this());
  sockets_.emplace(socket->nsp(), socket);
  if (!handlers->authorize) {
    finish_connect(socket, std::nullopt);
    return;
  }
  handlers->authorize(
      socket, [weak = weak_from_this(), socket, loop = session_->loop()](std::optional<ConnectRefusal> refusal) {
        net::post(loop, [weak, socket, refusal = std::move(refusal)]() mutable {
          if (auto self = weak.lock()) self->finish_connect(socket, std::move(refusal));
        });
      });
}

void Client::finish_connect(const std::shared_ptr<Socket>& socket, std::optional<ConnectRefusal> refusal) {
  if (closed_) return;
  auto it = sockets_.find(socket->nsp());
  if (it == sockets_.end() || it->second != socket) return;
  if (refusal) {
    sockets_.erase(it);
    session_->send(
        to_engine_packets(encode(make_connect_error(socket->nsp(), std::move(refusal->message), refusal->data))));
    return;
  }
  socket->connected_.store(true, std::memory_order_release);
  connect_timer_.reset();  // destroying it cancels the wait
  session_->send(to_engine_packets(encode(make_connect_ok(socket->nsp(), socket->id()))));
  const auto* handlers = handlers_of(socket->nsp());
  if (handlers->on_connection) handlers->on_connection(socket);
}

void Client::client_disconnect(const std::string& nsp) {
  auto it = sockets_.find(nsp);
  if (it == sockets_.end()) return;
  auto socket = it->second;
  sockets_.erase(it);
  const auto* handlers = handlers_of(nsp);
  if (socket->connected_.exchange(false) && handlers->on_disconnect) {
    handlers->on_disconnect(socket, "client namespace disconnect");
  }
  // Like the reference server: a client that left every namespace is done.
  if (sockets_.empty()) close_connection("client namespace disconnect");
}

void Client::disconnect(const std::shared_ptr<Socket>& socket, bool close_everything) {
  auto it = sockets_.find(socket->nsp());
  if (it != sockets_.end() && it->second == socket) {
    sockets_.erase(it);
    if (socket->connected_.exchange(false)) {
      session_->send(to_engine_packets(encode(make_disconnect(socket->nsp()))));
      const auto* handlers = handlers_of(socket->nsp());
      if (handlers->on_disconnect) handlers->on_disconnect(socket, "server namespace disconnect");
    }
  }
  if (close_everything) close_connection("server namespace disconnect");
}

void Client::event(Packet packet) {
  auto socket = connected_socket(packet.nsp);
  // Dropped, where the reference closes the connection: an event racing a server-side
  // namespace disconnect should not cost the client its other namespaces.
  if (!socket) return;
  const auto* handlers = handlers_of(packet.nsp);
  if (!handlers->on_event) return;
  auto& items = packet.data.get_ref<Json::array_t&>();
  std::string name = items.front().get<std::string>();
  Json::array_t args(std::make_move_iterator(items.begin() + 1), std::make_move_iterator(items.end()));
  Ack ack = packet.id ? Ack(socket, *packet.id) : Ack();
  handlers->on_event(socket, name, std::move(args), std::move(ack));
}

void Client::ack(Packet packet) {
  auto socket = connected_socket(packet.nsp);
  if (!socket) return;
  socket->resolve_ack(*packet.id, std::move(packet.data.get_ref<Json::array_t&>()));
}

void Client::close_connection(const std::string& reason) {
  if (closed_) return;
  session_->close(reason);
}

void Client::on_close(const std::string& reason) {
  closed_ = true;
  connect_timer_.reset();
  decoder_.reset();
  auto sockets = std::move(sockets_);
  sockets_.clear();
  for (auto& [nsp, socket] : sockets) {
    const auto* handlers = handlers_of(nsp);
    if (socket->connected_.exchange(false) && handlers->on_disconnect) handlers->on_disconnect(socket, reason);
    std::lock_guard lock(socket->acks_mutex_);
    socket->pending_acks_.clear();
  }
}

}  // namespace talkline::transport::socketio
