#pragma once

// The extension point for connections that are not plain request/response: a
// WebSocket upgrade, Engine.IO long-polling. A StreamHandler registered with
// Server::add_stream_handler for a path prefix (say "/socket.io/") receives every
// request whose decoded path starts with that prefix, before routing, with the
// Beast stream it arrived on.
//
// By then the session has read the whole request (size and time limits applied),
// set the request id, applied the per-IP rate limit and answered CORS preflights.
// It has not checked the media type (polling bodies are text/plain) and has not
// consulted the router.
//
// How the connection continues is up to the handler's StreamOutcome:
//   keep_alive  it answered (with context.write_response) and the session reads the
//               next request on the same connection, as for any keep-alive request;
//   close       the session closes the connection;
//   taken       the handler moved context.stream away (e.g. into a
//               websocket::stream<tcp_stream>); the session never touches it again.
// A handler that keeps the connection for its whole life (a WebSocket) can instead
// co_await it inside handle(): the connection then still counts towards
// max_connections and graceful shutdown waits for it (up to shutdown_grace).
//
// Sketch of an upgrade:
//   awaitable<StreamOutcome> handle(StreamContext& c) override {
//     if (!websocket::is_upgrade(c.raw_request)) {
//       co_await c.write_response(problem_response(400, ...), false);
//       co_return StreamOutcome::close;
//     }
//     c.stream.expires_never();  // the websocket stream keeps its own timeouts
//     websocket::stream<beast::tcp_stream> ws(std::move(c.stream));
//     co_await ws.async_accept(c.raw_request, use_awaitable);
//     ...                        // or hand `ws` to a session object
//     co_return StreamOutcome::taken;
//   }

#include <functional>

#include "transport/asio/asio.hpp"
#include "transport/http/message.hpp"

namespace talkline::transport::http {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;

enum class StreamOutcome { keep_alive, close, taken };

/// What a stream handler gets. Every reference stays valid until handle() completes.
struct StreamContext {
  /// The connection, on its own strand. Its expiry still holds the request timeout:
  /// reset it (expires_after / expires_never) before waiting on it.
  boost::beast::tcp_stream& stream;
  /// Bytes read past the end of the request, to be consumed before the socket.
  boost::beast::flat_buffer& buffer;
  /// The request as parsed. Its body has been moved into `request.body`.
  BeastRequest& raw_request;
  /// Decoded path and query, headers, request id and remote address.
  Request& request;
  /// Writes a response with the server's usual headers (Server, X-Request-Id,
  /// security, CORS, Connection) within the request timeout. `keep_alive` is
  /// overridden to false once the server is shutting down. Returns the write's error.
  std::function<boost::asio::awaitable<boost::system::error_code>(Response response, bool keep_alive)> write_response;
};

class StreamHandler {
 public:
  virtual ~StreamHandler() = default;

  /// Takes over one request (and perhaps its connection). Runs on the connection's
  /// strand, an I/O thread: it must not block. An exception closes the connection
  /// and is logged.
  virtual boost::asio::awaitable<StreamOutcome> handle(StreamContext& context) = 0;

  /// Called once, from an I/O thread, when graceful shutdown begins. Handlers holding
  /// long-lived connections should end them here so the server need not wait out
  /// the grace period.
  virtual void shutdown() {}
};

}  // namespace talkline::transport::http
