#include "sio_connection.hpp"

namespace talkline::bench {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using net::ip::tcp;
using util::Json;

namespace {

std::string_view text_of(const beast::flat_buffer& buffer) {
  return {static_cast<const char*>(buffer.cdata().data()), buffer.size()};
}

}  // namespace

SioConnection::SioConnection(net::io_context& context)
    : strand_(net::make_strand(context)), ws_(strand_), deadline_(strand_) {}

net::awaitable<std::string> SioConnection::connect(tcp::endpoint server, std::string host_header,
                                                   std::string source_address, std::string token,
                                                   std::chrono::milliseconds timeout) {
  // A handshake that hangs is cut off by closing the socket under it.
  auto self = shared_from_this();
  auto on_deadline = [self](boost::system::error_code ec) {
    if (ec || self->joined_) return;
    boost::system::error_code ignored;
    self->ws_.next_layer().close(ignored);
  };
  deadline_.expires_after(timeout);
  deadline_.async_wait(net::bind_executor(strand_, on_deadline));

  boost::system::error_code ec;
  auto& socket = ws_.next_layer();
  socket.open(tcp::v4(), ec);
  if (!ec && !source_address.empty()) socket.bind(tcp::endpoint(net::ip::make_address(source_address), 0), ec);
  if (ec) co_return "bind " + source_address + ": " + ec.message();
  co_await socket.async_connect(server, net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return "connect: " + ec.message();
  socket.set_option(tcp::no_delay(true), ec);

  co_await ws_.async_handshake(host_header, "/socket.io/?EIO=4&transport=websocket",
                               net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return "websocket handshake: " + ec.message();
  ws_.text(true);

  // Engine.IO open packet, then CONNECT to "/" with the token.
  co_await ws_.async_read(buffer_, net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return "reading the open packet: " + ec.message();
  if (text_of(buffer_).substr(0, 1) != "0") co_return "expected an open packet, got: " + std::string(text_of(buffer_));
  buffer_.consume(buffer_.size());
  open_ = true;
  send("40" + Json{{"token", token}}.dump());

  for (;;) {
    co_await ws_.async_read(buffer_, net::redirect_error(net::use_awaitable, ec));
    if (ec) break;
    const std::string text(text_of(buffer_));
    buffer_.consume(buffer_.size());
    if (text.rfind("40", 0) == 0) {
      joined_ = true;
      deadline_.cancel();
      co_return std::string();
    }
    if (text.rfind("44", 0) == 0) {
      open_ = false;
      co_return "CONNECT_ERROR " + text.substr(2);
    }
    if (text.rfind('2', 0) == 0) {
      send("3" + text.substr(1));
      continue;
    }
    open_ = false;
    co_return "expected CONNECT, got: " + text;
  }
  open_ = false;
  co_return "waiting for CONNECT: " + ec.message();
}

void SioConnection::start() { net::co_spawn(strand_, read_loop(shared_from_this()), net::detached); }

net::awaitable<void> SioConnection::read_loop(std::shared_ptr<SioConnection> self) {
  boost::system::error_code ec;
  while (!ec) {
    co_await ws_.async_read(buffer_, net::redirect_error(net::use_awaitable, ec));
    if (ec) break;
    handle_message(text_of(buffer_));
    buffer_.consume(buffer_.size());
  }
  open_ = false;
}

void SioConnection::handle_message(std::string_view text) {
  if (text.empty()) return;
  switch (text[0]) {
    case '2': send("3" + std::string(text.substr(1))); return;
    case '1': close(); return;
    case '4': break;
    default: return;
  }
  const auto packet_text = text.substr(1);
  if (on_message_new_) {
    if (auto message = scan_message_new(packet_text)) {
      on_message_new_(*message);
      return;
    }
  }
  auto decoded = decoder_.feed_text(packet_text);
  if (!decoded.ok() || !decoded.value().has_value()) return;
  const auto& packet = *decoded.value();
  using transport::socketio::PacketType;
  if (packet.type == PacketType::event && packet.data.is_array() && !packet.data.empty()) {
    dispatch_event(packet.data);
  } else if (packet.type == PacketType::ack && packet.id && on_ack_) {
    on_ack_(*packet.id, packet.data);
  } else if (packet.type == PacketType::disconnect) {
    close();
  }
}

// The decoder's path, for events the scanner does not take (and message:new frames
// with escapes in them).
void SioConnection::dispatch_event(const Json& data) {
  static const Json kNull;
  const Json& name = data[0];
  const Json& argument = data.size() > 1 ? data[1] : kNull;
  if (!name.is_string()) return;
  if (on_message_new_ && name == "message:new") {
    if (!argument.is_object()) return;
    const Json* conversation = argument.contains("conversationId") ? &argument["conversationId"] : nullptr;
    const Json* seq = argument.contains("seq") ? &argument["seq"] : nullptr;
    const Json* body = argument.contains("body") ? &argument["body"] : nullptr;
    if (!conversation || !conversation->is_string() || !seq || !seq->is_number_integer() || !body ||
        !body->is_string()) {
      return;
    }
    on_message_new_(
        {conversation->get_ref<const std::string&>(), seq->get<std::int64_t>(), body->get_ref<const std::string&>()});
    return;
  }
  if (on_event_) on_event_(name.get<std::string>(), argument);
}

void SioConnection::emit(std::string_view event, const Json& payload, std::uint64_t ack_id) {
  send("42" + std::to_string(ack_id) + Json::array({std::string(event), payload}).dump());
}

void SioConnection::send(std::string message) {
  outbox_.push_back(std::move(message));
  if (writing_) return;
  writing_ = true;
  net::co_spawn(strand_, write_loop(shared_from_this()), net::detached);
}

net::awaitable<void> SioConnection::write_loop(std::shared_ptr<SioConnection> self) {
  boost::system::error_code ec;
  while (!outbox_.empty()) {
    co_await ws_.async_write(net::buffer(outbox_.front()), net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      outbox_.clear();
      break;
    }
    outbox_.pop_front();
  }
  writing_ = false;
}

void SioConnection::close() {
  auto self = shared_from_this();
  auto do_close = [self] {
    self->open_ = false;
    boost::system::error_code ignored;
    self->deadline_.cancel();
    self->ws_.next_layer().shutdown(tcp::socket::shutdown_both, ignored);
    self->ws_.next_layer().close(ignored);
  };
  net::post(strand_, do_close);
}

}  // namespace talkline::bench
