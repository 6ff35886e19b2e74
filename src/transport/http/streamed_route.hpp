#pragma once

// Streamed routes: requests whose body is read as it arrives instead of whole, for
// uploads. Register one with Router::add_streamed:
//
//   StreamedRouteOptions options;
//   options.max_body_bytes = 25 << 20;
//   router.add_streamed("POST", "/api/v1/uploads", make_streamed_route(options,
//       [store](StreamedRequest& up) -> awaitable<Response> {
//         // The head: method, target, headers, path params, remote address, request id.
//         if (!authorised(up.request())) co_return problem_response(401, ...);  // no body read
//         auto open = [&] { return store->open_writer(key); };
//         auto writer = co_await up.run_blocking(open);                  // on the pool
//         for (;;) {
//           auto read = co_await up.read_body();                         // on the loop
//           if (read.status == BodyStatus::end) break;
//           if (read.status != BodyStatus::chunk) co_return Response::empty(400);  // replaced
//           auto append = [&] { return (*writer)->append(read.data); };
//           if (!co_await up.run_blocking(append)) ...                   // on the pool
//         }
//         ...
//         co_return Response::json(201, ...);
//       }));
//
// What the session does around the handler (transport/http/http_session.cpp):
// - after the header it matches the method and decoded path against the router; a
//   streamed route takes the request unless a stream handler's prefix claims the path;
// - it applies the per-IP rate limit and CORS preflight as for any request (the JSON
//   media-type check is the handler's business: uploads are not JSON);
// - a declared Content-Length above max_body_bytes is answered 413 (problem+json)
//   before the handler runs and before any `100 Continue`; the connection then closes;
// - `Expect: 100-continue` is answered with 100 when the handler first reads the body,
//   so a handler refusing on the head alone (401, 403, 415) answers without it;
// - after the handler: if the body went past max_body_bytes (chunked) the answer is 413
//   and the connection closes; if it was malformed, 400 and close; if the client went
//   away or timed out, the connection just closes; if the handler returned before the
//   end of the body, its response goes out with `Connection: close`; otherwise the
//   connection stays open for the next request (keep-alive);
// - a handler that throws gets a 500 problem; access log, request id, security and
//   CORS headers are as for any response, and the handler may return a streamed
//   Response (Response::streamed).
//
// Threads: the handler runs on the connection's event loop and must not block; every
// blocking call (BlobWriter::append, a store call) goes through run_blocking, which
// runs it on the HTTP worker pool while the loop serves its other connections.
// Memory: one chunk buffer (chunk_bytes) per request; the next bytes are read from
// the socket only when the handler asks (backpressure through TCP).
// Timeouts: each read must make progress within ServerOptions::request_timeout (an
// idle limit per read, not a limit on the whole upload).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "transport/asio/asio.hpp"
#include "transport/http/message.hpp"

namespace talkline::transport::http {

class StreamedRequest;

struct StreamedRouteOptions {
  /// Largest body accepted; a larger declared Content-Length or chunked body gets 413.
  std::uint64_t max_body_bytes = std::uint64_t{25} << 20;
  /// Largest chunk read_body hands over (the buffer each request holds).
  std::size_t chunk_bytes = std::size_t{64} << 10;
};

/// Runs on the connection's event loop; see the top of this file.
using StreamedHandler = std::function<boost::asio::awaitable<Response>(StreamedRequest&)>;

struct StreamedRoute {
  StreamedRouteOptions options;
  StreamedHandler handler;
};

inline std::shared_ptr<const StreamedRoute> make_streamed_route(StreamedRouteOptions options, StreamedHandler handler) {
  return std::make_shared<const StreamedRoute>(StreamedRoute{options, std::move(handler)});
}

}  // namespace talkline::transport::http
