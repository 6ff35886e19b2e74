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
// The handler either keeps using the connection in place (context.stream(); answer
// with context.write_response and return keep_alive or close), or moves it away
// with context.take_stream() (e.g. into a websocket::stream<tcp_stream>): the
// session then never touches it again, whatever handle() returns or throws, and the
// connection stops counting towards max_connections and graceful shutdown. A
// handler that keeps a connection for its whole life can instead co_await it inside
// handle(): it then still counts, and shutdown waits for it (up to shutdown_grace).
//
// Sketch of an upgrade:
//   awaitable<StreamOutcome> handle(StreamContext& c) override {
//     if (!websocket::is_upgrade(c.raw_request())) {
//       co_await c.write_response(problem_response(400, ...), false);
//       co_return StreamOutcome::close;
//     }
//     websocket::stream<beast::tcp_stream> ws(c.take_stream());
//     beast::get_lowest_layer(ws).expires_never();  // websocket timeouts take over
//     co_await ws.async_accept(c.raw_request(), use_awaitable);
//     ...                                            // or hand `ws` to a session object
//     co_return StreamOutcome::close;                // ignored once taken
//   }

#include <functional>

#include "transport/asio/asio.hpp"
#include "transport/http/message.hpp"

namespace talkline::transport::http {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;

/// What the session does with the connection after a handler that did not take it.
enum class StreamOutcome {
  keep_alive,  // read the next request, as after any keep-alive response
  close,       // close the connection
};

/// What a stream handler gets. Every reference stays valid until handle() completes.
class StreamContext {
 public:
  using Writer = std::function<boost::asio::awaitable<boost::system::error_code>(Response, bool)>;

  StreamContext(boost::beast::tcp_stream& stream, boost::beast::flat_buffer& buffer, BeastRequest& raw_request,
                Request& request, Writer writer)
      : stream_(stream), buffer_(buffer), raw_request_(raw_request), request_(request), writer_(std::move(writer)) {}

  /// The connection, on its own event loop. Its expiry still holds the request timeout:
  /// reset it (expires_after / expires_never) before waiting on it. Not after take_stream().
  boost::beast::tcp_stream& stream() { return stream_; }

  /// Moves the connection out; from here on the handler alone owns it.
  boost::beast::tcp_stream take_stream() {
    taken_ = true;
    return std::move(stream_);
  }
  bool taken() const { return taken_; }

  /// Bytes read past the end of the request, to be consumed before the socket's.
  boost::beast::flat_buffer& buffer() { return buffer_; }
  /// The request as parsed. Its body has been moved into `request().body`.
  BeastRequest& raw_request() { return raw_request_; }
  /// Decoded path and query, headers, request id and remote address.
  Request& request() { return request_; }

  /// Writes a response with the server's usual headers (Server, X-Request-Id,
  /// security, CORS, Connection) within the request timeout, and logs it. `keep_alive`
  /// becomes false once the server is shutting down. Returns the write's error;
  /// bad_descriptor after take_stream().
  boost::asio::awaitable<boost::system::error_code> write_response(Response response, bool keep_alive) {
    if (taken_) co_return boost::asio::error::bad_descriptor;
    co_return co_await writer_(std::move(response), keep_alive);
  }

 private:
  boost::beast::tcp_stream& stream_;
  boost::beast::flat_buffer& buffer_;
  BeastRequest& raw_request_;
  Request& request_;
  Writer writer_;
  bool taken_ = false;
};

class StreamHandler {
 public:
  virtual ~StreamHandler() = default;

  /// Takes over one request (and perhaps its connection). Runs on the connection's
  /// event loop: it must not block. An exception is logged and closes the
  /// connection unless it was taken.
  virtual boost::asio::awaitable<StreamOutcome> handle(StreamContext& context) = 0;

  /// Called once, from an event loop, when graceful shutdown begins. Handlers holding
  /// long-lived connections should end them here so the server need not wait out
  /// the grace period.
  virtual void shutdown() {}

  /// Called once, after the event loops have stopped and before the server's
  /// io_context is destroyed. Handlers must let go of every I/O object they still
  /// hold (sockets, timers): one that outlived the io_context would be destroyed
  /// against freed services.
  virtual void stopped() {}
};

}  // namespace talkline::transport::http
