#include "transport/engineio/server/forwarding.hpp"

#include <array>
#include <memory>
#include <string_view>
#include <utility>

#include "util/log.hpp"

namespace talkline::transport::engineio {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::system::error_code;
using net::ip::tcp;

namespace {

struct HostPort {
  std::string host;
  std::string port;
};

std::optional<HostPort> split_address(std::string_view address) {
  if (!address.empty() && address.front() == '[') {  // [::1]:8080
    auto close = address.find("]:");
    if (close == std::string_view::npos) return std::nullopt;
    return HostPort{std::string(address.substr(1, close - 1)), std::string(address.substr(close + 2))};
  }
  auto colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == address.size()) return std::nullopt;
  return HostPort{std::string(address.substr(0, colon)), std::string(address.substr(colon + 1))};
}

// Headers that describe one hop, not the request; the forwarded request gets its own.
bool hop_by_hop(beast::string_view name) {
  for (beast::string_view hop : {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer",
                                 "upgrade", "content-length"}) {
    if (beast::iequals(name, hop)) return true;
  }
  return false;
}

// The request as the owner should see it: the client's own headers and body, marked as
// forwarded, with the client's address appended to X-Forwarded-For.
bhttp::request<bhttp::string_body> forwarded_copy(http::StreamContext& context, bool keep_upgrade_headers) {
  const auto& raw = context.raw_request();
  bhttp::request<bhttp::string_body> out{raw.method(), raw.target(), 11};
  for (const auto& field : raw) {
    if (!keep_upgrade_headers && hop_by_hop(field.name_string())) continue;
    if (beast::iequals(field.name_string(), "x-forwarded-for")) continue;
    out.insert(field.name_string(), field.value());
  }
  std::string forwarded_for(raw["X-Forwarded-For"]);
  if (!forwarded_for.empty()) forwarded_for += ", ";
  forwarded_for += context.request().remote_address;
  out.set("X-Forwarded-For", forwarded_for);
  out.set(beast::string_view(kForwardedHeader.data(), kForwardedHeader.size()), "1");
  if (!keep_upgrade_headers) {
    out.keep_alive(false);
    out.body() = context.request().body;
    out.prepare_payload();
  }
  return out;
}

net::awaitable<std::optional<beast::tcp_stream>> connect_to(const std::string& owner_address,
                                                            std::chrono::milliseconds timeout) {
  auto where = split_address(owner_address);
  if (!where) co_return std::nullopt;
  auto executor = co_await net::this_coro::executor;
  tcp::resolver resolver(executor);
  error_code ec;
  auto endpoints =
      co_await resolver.async_resolve(where->host, where->port, net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return std::nullopt;
  beast::tcp_stream upstream(executor);
  upstream.expires_after(timeout);
  co_await upstream.async_connect(endpoints, net::redirect_error(net::use_awaitable, ec));
  if (ec) co_return std::nullopt;
  upstream.socket().set_option(tcp::no_delay(true), ec);
  co_return std::optional<beast::tcp_stream>(std::move(upstream));
}

void log_failure(std::string_view step, const std::string& owner_address, const error_code& ec) {
  util::log::debug(
      "engineio.forward_failed",
      {{"step", step}, {"owner", std::string_view(owner_address)}, {"error", std::string_view(ec.message())}});
}

// Two streams relaying into each other; whichever side ends first ends both.
struct Tunnel : std::enable_shared_from_this<Tunnel> {
  Tunnel(beast::tcp_stream client_stream, beast::tcp_stream owner_stream)
      : client(std::move(client_stream)), owner(std::move(owner_stream)) {}

  net::awaitable<void> pump(beast::tcp_stream& from, beast::tcp_stream& to) {
    auto keep = shared_from_this();
    std::array<char, 16384> chunk{};
    error_code ec;
    while (!ec) {
      const std::size_t n =
          co_await from.async_read_some(net::buffer(chunk), net::redirect_error(net::use_awaitable, ec));
      if (ec) break;
      co_await net::async_write(to, net::buffer(chunk.data(), n), net::redirect_error(net::use_awaitable, ec));
    }
    close();
  }

  void close() {
    error_code ignored;
    client.socket().shutdown(tcp::socket::shutdown_both, ignored);
    owner.socket().shutdown(tcp::socket::shutdown_both, ignored);
    client.socket().close(ignored);
    owner.socket().close(ignored);
  }

  beast::tcp_stream client;
  beast::tcp_stream owner;
};

}  // namespace

net::awaitable<std::optional<std::string>> locate_owner(const ClusterRouting& routing, int owner) {
  auto initiate = [&routing, owner](auto handler) {
    using Handler = decltype(handler);
    auto shared = std::make_shared<Handler>(std::move(handler));
    routing.locate(owner, [shared](std::optional<std::string> address) {
      auto executor = net::get_associated_executor(*shared);
      net::post(executor, [shared, address = std::move(address)]() mutable { (*shared)(std::move(address)); });
    });
  };
  co_return co_await net::async_initiate<decltype(net::use_awaitable), void(std::optional<std::string>)>(
      std::move(initiate), net::use_awaitable);
}

net::awaitable<std::optional<http::StreamOutcome>> forward_polling(http::StreamContext& context,
                                                                   const std::string& owner_address,
                                                                   const ForwardLimits& limits) {
  auto upstream = co_await connect_to(owner_address, limits.connect_timeout);
  if (!upstream) co_return std::nullopt;
  auto request = forwarded_copy(context, false);
  error_code ec;
  upstream->expires_after(limits.answer_timeout);
  co_await bhttp::async_write(*upstream, request, net::redirect_error(net::use_awaitable, ec));
  if (ec) {
    log_failure("write", owner_address, ec);
    co_return std::nullopt;
  }
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(limits.max_answer_bytes);
  co_await bhttp::async_read(*upstream, buffer, parser, net::redirect_error(net::use_awaitable, ec));
  if (ec) {
    log_failure("read", owner_address, ec);
    co_return std::nullopt;
  }
  auto answer = parser.release();
  http::Response response;
  response.status = static_cast<int>(answer.result_int());
  if (auto type = answer.find(bhttp::field::content_type); type != answer.end()) {
    response.headers.set("Content-Type", std::string(type->value()));
  }
  response.body = std::move(answer.body());
  const bool keep_alive = context.raw_request().keep_alive();
  ec = co_await context.write_response(std::move(response), keep_alive);
  co_return !ec && keep_alive ? http::StreamOutcome::keep_alive : http::StreamOutcome::close;
}

net::awaitable<std::optional<http::StreamOutcome>> forward_websocket(http::StreamContext& context,
                                                                     const std::string& owner_address,
                                                                     const ForwardLimits& limits) {
  auto upstream = co_await connect_to(owner_address, limits.connect_timeout);
  if (!upstream) co_return std::nullopt;
  auto request = forwarded_copy(context, true);
  error_code ec;
  co_await bhttp::async_write(*upstream, request, net::redirect_error(net::use_awaitable, ec));
  if (ec) {
    log_failure("write", owner_address, ec);
    co_return std::nullopt;
  }
  // Bytes the client sent after its request (a first frame) go out before the rest.
  auto pending = context.buffer().data();
  if (pending.size() > 0) {
    co_await net::async_write(*upstream, pending, net::redirect_error(net::use_awaitable, ec));
    if (ec) co_return std::nullopt;
    context.buffer().consume(pending.size());
  }
  // From here the owner's heartbeat decides when the session is dead; no timeouts here.
  upstream->expires_never();
  auto client = context.take_stream();
  client.expires_never();
  auto tunnel = std::make_shared<Tunnel>(std::move(client), std::move(*upstream));
  auto to_owner = [tunnel]() { return tunnel->pump(tunnel->client, tunnel->owner); };
  auto to_client = [tunnel]() { return tunnel->pump(tunnel->owner, tunnel->client); };
  net::co_spawn(tunnel->client.get_executor(), std::move(to_owner), net::detached);
  net::co_spawn(tunnel->client.get_executor(), std::move(to_client), net::detached);
  co_return http::StreamOutcome::close;
}

}  // namespace talkline::transport::engineio
