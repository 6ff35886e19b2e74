#pragma once

#include <cstdint>
#include <string>

#include "transport/asio/asio.hpp"
#include "transport/http/event_loops.hpp"
#include "transport/http/server_context.hpp"
#include "util/result.hpp"

namespace talkline::transport::http {

/// Accepts connections and starts an HttpSession for each on the next event loop
/// (round robin), where it stays. The acceptor lives on loop 0; close() may be called
/// from any thread and does its work there.
class Listener {
 public:
  Listener(EventLoops& loops, ServerContext& context);

  /// Binds and listens. Returns the bound port (useful with port 0); the error names host:port.
  Result<std::uint16_t> open(const std::string& host, std::uint16_t port);
  bool is_open() const { return acceptor_.is_open(); }

  /// Starts the accept loop; call once, after open().
  void start();

  /// Stops accepting and tells every session and stream handler that shutdown has
  /// begun. Thread-safe; the work happens on loop 0.
  void close();

 private:
  boost::asio::awaitable<void> accept_loop();

  EventLoops& loops_;
  ServerContext& context_;
  boost::asio::ip::tcp::acceptor acceptor_;
};

}  // namespace talkline::transport::http
