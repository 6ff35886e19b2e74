#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "transport/http/router.hpp"
#include "transport/http/server_options.hpp"
#include "util/result.hpp"

namespace talkline::transport::http {

class StreamHandler;

/// The HTTP/1.1 server: Beast sessions on one event loop per core, route handlers on a
/// separate blocking pool, and the cross-cutting rules (timeouts, body limit, request
/// ids, access log, security headers, CORS, per-IP rate limit) applied to every
/// request. This header stays free of Asio and Beast.
///
/// Lifecycle: construct, add_stream_handler (optional), listen, run; run returns after
/// a graceful shutdown triggered by SIGINT, SIGTERM or stop(). A Server runs once.
class Server {
 public:
  Server(ServerOptions options, Router router);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds and listens. Returns the bound port (the ephemeral one for port 0); the
  /// error message names host:port.
  Result<std::uint16_t> listen();

  /// Sends requests whose decoded path starts with `prefix` to `handler`, before
  /// routing (see stream_handler.hpp). Call before run().
  void add_stream_handler(std::string prefix, std::shared_ptr<StreamHandler> handler);

  /// Runs the event loops until shutdown, handling SIGINT and SIGTERM meanwhile. Calls
  /// listen() first if it has not been called (logging and returning on failure).
  /// Shutdown: stop accepting, close idle connections, let in-flight requests finish
  /// with `Connection: close` for at most shutdown_grace, call on_shutdown, stop.
  /// Warning: a handler that never returns keeps run() from returning, since a
  /// worker thread cannot be abandoned safely.
  void run();

  /// Begins graceful shutdown, like a signal. Thread-safe, idempotent, and may be
  /// called before run() (which then shuts down at once).
  void stop();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace talkline::transport::http
