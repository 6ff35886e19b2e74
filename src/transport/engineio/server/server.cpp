#include "transport/engineio/server/server.hpp"

#include <string_view>
#include <vector>

#include "transport/asio/run_on.hpp"
#include "transport/engineio/codec/handshake.hpp"
#include "transport/engineio/codec/payload.hpp"
#include "transport/engineio/server/forwarding.hpp"
#include "transport/engineio/server/responses.hpp"
#include "util/log.hpp"

namespace talkline::transport::engineio {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace beast_ws = boost::beast::websocket;
using boost::system::error_code;

namespace {

std::string_view raw_query(std::string_view target) {
  auto mark = target.find('?');
  return mark == std::string_view::npos ? std::string_view{} : target.substr(mark + 1);
}

// A refused WebSocket handshake gets what the reference gives: 400 and the bare
// message, whatever the code; a polling request gets the JSON error.
net::awaitable<http::StreamOutcome> refuse(http::StreamContext& context, const RequestError& error, bool websocket) {
  http::Response response;
  if (websocket) {
    response.status = 400;
    response.headers.set("Content-Type", "text/html");
    response.body = error.message;
  } else {
    response = error_response(error);
  }
  bool keep_alive = !websocket && context.raw_request().keep_alive();
  auto ec = co_await context.write_response(std::move(response), keep_alive);
  co_return !ec && keep_alive ? http::StreamOutcome::keep_alive : http::StreamOutcome::close;
}

Loop loop_of(http::StreamContext& context) {
  auto& io = static_cast<net::io_context&>(net::query(context.stream().get_executor(), net::execution::context));
  return io.get_executor();
}

// Beast answers the handshake; its stream holds no more than that.
using HandshakeStream = beast_ws::stream<net::ip::tcp::socket>;
using UpgradeRequest = beast::http::request<beast::http::string_body>;

// Moves the connection onto `loop`, so the WebSocket, its timers and the session
// all run there and nothing needs a second lock.
net::ip::tcp::socket move_to_loop(beast::tcp_stream stream, const Loop& loop) {
  auto socket = stream.release_socket();
  if (&net::query(socket.get_executor(), net::execution::context) == &loop.context()) return socket;
  // Another loop's connection (a polling session's upgrade): the descriptor moves over.
  error_code ec;
  auto protocol = socket.local_endpoint(ec).protocol();
  auto handle = socket.release(ec);
  return net::ip::tcp::socket(loop, protocol, handle);
}

// Answers the upgrade request with Beast, then hands the socket to our own framing
// (websocket::Stream). nullptr when the handshake failed.
net::awaitable<std::shared_ptr<WebSocket>> accept_websocket(net::ip::tcp::socket socket, UpgradeRequest request,
                                                            const EngineOptions& options) {
  HandshakeStream handshake(std::move(socket));
  beast_ws::stream_base::timeout timeouts{std::chrono::seconds(10), beast_ws::stream_base::none(), false};
  handshake.set_option(timeouts);
  handshake.set_option(beast_ws::stream_base::decorator(
      [](beast_ws::response_type& response) { response.set(beast::http::field::server, "talkline"); }));
  error_code ec;
  co_await handshake.async_accept(request, net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return nullptr;
  co_return std::make_shared<WebSocket>(std::move(handshake.next_layer()), options.max_payload);
}

}  // namespace

Server::Server(EngineOptions options, ConnectionHandler on_connection)
    : options_(std::make_shared<const EngineOptions>(std::move(options))), on_connection_(std::move(on_connection)) {}

std::size_t Server::session_count() const {
  std::lock_guard lock(table_->mutex);
  return table_->sessions.size();
}

std::shared_ptr<Session> Server::find(const std::string& sid) const {
  std::lock_guard lock(table_->mutex);
  auto it = table_->sessions.find(sid);
  return it == table_->sessions.end() ? nullptr : it->second;
}

void Server::shutdown() {
  std::vector<std::shared_ptr<Session>> sessions;
  {
    std::lock_guard lock(table_->mutex);
    for (auto& [sid, session] : table_->sessions) sessions.push_back(session);
  }
  for (auto& session : sessions) session->close("server shutting down");
}

void Server::stopped() {
  std::unordered_map<std::string, std::shared_ptr<Session>> sessions;
  {
    std::lock_guard lock(table_->mutex);
    sessions.swap(table_->sessions);
  }
  for (auto& [sid, session] : sessions) session->abandon();
}

net::awaitable<http::StreamOutcome> Server::handle(http::StreamContext& context) {
  auto& request = context.request();
  bool wants_websocket = beast_ws::is_upgrade(context.raw_request());
  auto check = check_request(raw_query(request.target), request.method, wants_websocket);
  if (auto* error = std::get_if<RequestError>(&check)) co_return co_await refuse(context, *error, wants_websocket);
  const auto& parsed = std::get<HandshakeRequest>(check);
  bool allowed = parsed.transport == Transport::polling ? options_->allow_polling : options_->allow_websocket;
  if (!allowed) {
    co_return co_await refuse(context, make_request_error(RequestErrorCode::unknown_transport), wants_websocket);
  }

  if (parsed.is_handshake()) {
    if (options_->allow_request) {
      if (auto refusal = options_->allow_request(request))
        co_return co_await refuse(context, *refusal, wants_websocket);
    }
    if (session_count() >= options_->max_sessions) {
      auto error = make_request_error(RequestErrorCode::forbidden, "Too many sessions");
      co_return co_await refuse(context, error, wants_websocket);
    }
    if (parsed.transport == Transport::polling) co_return co_await open_polling(context, parsed.base64_binary);
    co_return co_await open_websocket(context, parsed.base64_binary);
  }

  auto session = find(parsed.sid);
  if (!session) {
    if (auto forwarded = co_await forward_to_owner(context, parsed.sid, wants_websocket)) co_return *forwarded;
    co_return co_await refuse(context, make_request_error(RequestErrorCode::unknown_sid), wants_websocket);
  }
  if (parsed.transport == Transport::websocket) co_return co_await upgrade(context, std::move(session));
  co_return co_await serve_polling(context, std::move(session));
}

net::awaitable<std::optional<http::StreamOutcome>> Server::forward_to_owner(http::StreamContext& context,
                                                                            const std::string& sid, bool websocket) {
  const auto& cluster = options_->cluster;
  // A request another node already forwarded ends here: its session is gone.
  if (!cluster || context.request().header(kForwardedHeader)) co_return std::nullopt;
  const int owner = sid_owner(sid);
  if (owner == cluster->this_node) co_return std::nullopt;
  auto address = co_await locate_owner(*cluster, owner);
  if (!address) co_return std::nullopt;
  ForwardLimits limits;
  limits.connect_timeout = cluster->connect_timeout;
  // The owner holds a polling GET until its next ping at the latest.
  limits.answer_timeout = options_->ping_interval + options_->ping_timeout;
  limits.max_answer_bytes = options_->max_payload + options_->max_buffered_bytes;
  if (websocket) co_return co_await forward_websocket(context, *address, limits);
  co_return co_await forward_polling(context, *address, limits);
}

std::shared_ptr<Session> Server::create_session(Loop loop, http::Request handshake, Transport transport,
                                                bool base64_binary) {
  handshake.body.clear();
  auto forget = [table = std::weak_ptr<Table>(table_)](const std::string& id) {
    if (auto live = table.lock()) {
      std::lock_guard guard(live->mutex);
      live->sessions.erase(id);
    }
  };
  std::lock_guard lock(table_->mutex);
  auto new_sid = [this] { return options_->cluster ? make_sid(options_->cluster->this_node) : make_sid(); };
  std::string sid = new_sid();
  while (table_->sessions.contains(sid)) sid = new_sid();
  auto session = std::make_shared<Session>(std::move(loop), sid, options_, std::move(handshake), transport,
                                           base64_binary, std::move(forget));
  table_->sessions.emplace(sid, session);
  return session;
}

HandshakeInfo Server::handshake_info(const std::string& sid, Transport transport) const {
  std::vector<std::string> upgrades;
  if (transport == Transport::polling && options_->allow_websocket) upgrades.emplace_back("websocket");
  return HandshakeInfo{sid, std::move(upgrades), static_cast<std::uint32_t>(options_->ping_interval.count()),
                       static_cast<std::uint32_t>(options_->ping_timeout.count()), options_->max_payload};
}

net::awaitable<http::StreamOutcome> Server::open_polling(http::StreamContext& context, bool base64_binary) {
  auto session = create_session(loop_of(context), context.request(), Transport::polling, base64_binary);
  auto body = encode_payload({encode_open(handshake_info(session->id(), Transport::polling))});
  auto greet = [this, &session] {
    on_connection_(session);
    session->start();
    return true;
  };
  co_await run_on(session->loop(), greet);
  bool keep_alive = context.raw_request().keep_alive();
  auto ec = co_await context.write_response(payload_response(std::move(*body)), keep_alive);
  co_return !ec && keep_alive ? http::StreamOutcome::keep_alive : http::StreamOutcome::close;
}

net::awaitable<http::StreamOutcome> Server::open_websocket(http::StreamContext& context, bool base64_binary) {
  auto loop = loop_of(context);
  auto serve = [self = shared_from_this(), socket = move_to_loop(context.take_stream(), loop), base64_binary, loop,
                request = std::move(context.raw_request()),
                handshake = context.request()]() mutable -> net::awaitable<void> {
    auto ws = co_await accept_websocket(std::move(socket), std::move(request), *self->options_);
    if (!ws) co_return;
    auto session = self->create_session(loop, std::move(handshake), Transport::websocket, base64_binary);
    auto open = encode_ws(encode_open(self->handshake_info(session->id(), Transport::websocket)));
    ws->send(websocket::Opcode::text, {}, std::move(open.data));
    self->on_connection_(session);
    session->start();
    session->run_websocket(std::move(ws));
  };
  net::co_spawn(loop, std::move(serve), net::detached);
  co_return http::StreamOutcome::close;
}

net::awaitable<http::StreamOutcome> Server::serve_polling(http::StreamContext& context,
                                                          std::shared_ptr<Session> session) {
  http::Response response;
  if (context.request().method == "GET") {
    auto poll = [&session] { return session->poll(); };
    response = co_await net::co_spawn(session->loop(), std::move(poll), net::use_awaitable);
  } else {
    std::string body = std::move(context.request().body);
    auto receive = [&session, &body] { return session->receive(body); };
    response = co_await run_on(session->loop(), receive);
  }
  bool keep_alive = context.raw_request().keep_alive();
  auto ec = co_await context.write_response(std::move(response), keep_alive);
  co_return !ec && keep_alive ? http::StreamOutcome::keep_alive : http::StreamOutcome::close;
}

net::awaitable<http::StreamOutcome> Server::upgrade(http::StreamContext& context, std::shared_ptr<Session> session) {
  auto check = [&session] { return session->refuse_request(Transport::websocket); };
  auto refusal = co_await run_on(session->loop(), check);
  if (refusal) co_return co_await refuse(context, *refusal, true);
  net::co_spawn(
      session->loop(),
      [self = shared_from_this(), session, socket = move_to_loop(context.take_stream(), session->loop()),
       request = std::move(context.raw_request())]() mutable -> net::awaitable<void> {
        auto ws = co_await accept_websocket(std::move(socket), std::move(request), *self->options_);
        if (ws) session->begin_upgrade(std::move(ws));
      },
      net::detached);
  co_return http::StreamOutcome::close;
}

}  // namespace talkline::transport::engineio
