#include "transport/http/listener.hpp"

#include <memory>

#include "transport/http/http_session.hpp"
#include "util/log.hpp"

namespace talkline::transport::http {

namespace net = boost::asio;
using boost::system::error_code;
using net::ip::tcp;

Listener::Listener(EventLoops& loops, ServerContext& context)
    : loops_(loops), context_(context), acceptor_(loops.at(0)) {}

Result<std::uint16_t> Listener::open(const std::string& host, std::uint16_t port) {
  auto fail = [&](const error_code& ec) {
    return Error::unavailable("cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message());
  };

  // Resolving may block, which is fine: this runs once, before any event loop starts.
  error_code ec;
  tcp::resolver resolver(loops_.at(0));
  auto results =
      resolver.resolve(host, std::to_string(port), tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec) return fail(ec);
  if (results.empty()) return fail(net::error::host_not_found);
  tcp::endpoint endpoint = results.begin()->endpoint();

  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    error_code ignored;
    acceptor_.close(ignored);
    return fail(ec);
  }
  auto bound = acceptor_.local_endpoint(ec);
  if (ec) return fail(ec);
  return bound.port();
}

void Listener::start() { net::co_spawn(acceptor_.get_executor(), accept_loop(), net::detached); }

void Listener::close() {
  net::post(acceptor_.get_executor(), [this] {
    error_code ignored;
    acceptor_.close(ignored);
    // After the acceptor is closed no session can join, so this reaches all of them.
    context_.sessions.shutdown_all();
    context_.streams.shutdown_all();
  });
}

net::awaitable<void> Listener::accept_loop() {
  net::steady_timer backoff(acceptor_.get_executor());
  while (acceptor_.is_open()) {
    // The connection lives its whole life on the loop it is accepted onto.
    error_code ec;
    tcp::socket socket = co_await acceptor_.async_accept(loops_.next(), net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      if (!acceptor_.is_open() || ec == net::error::operation_aborted) break;
      // Typically out of file descriptors: pause instead of spinning on the error.
      util::log::warn("http.accept_failed", {{"error", std::string_view(ec.message())}});
      backoff.expires_after(std::chrono::milliseconds(100));
      co_await backoff.async_wait(net::redirect_error(net::use_awaitable, ec));
      continue;
    }

    // Responses and frames are small and written whole; Nagle would hold each one
    // back until the previous one is acknowledged.
    socket.set_option(tcp::no_delay(true), ec);
    auto session = std::make_shared<HttpSession>(std::move(socket), context_);
    auto limit = static_cast<std::size_t>(context_.options.max_connections < 0 ? 0 : context_.options.max_connections);
    if (!context_.sessions.try_add(session, limit)) {
      // Over capacity: the session never runs, and dropping it closes the socket.
      continue;
    }
    // The lambda's copy of `session` lives as long as the coroutine it started; the
    // registry only holds a weak reference.
    net::co_spawn(
        session->executor(), [session] { return session->run(); }, net::detached);
  }
}

}  // namespace talkline::transport::http
