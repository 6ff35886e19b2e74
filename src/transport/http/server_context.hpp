#pragma once

#include <atomic>

#include "transport/asio/asio.hpp"
#include "transport/http/pipeline.hpp"
#include "transport/http/server_options.hpp"
#include "transport/http/session_registry.hpp"
#include "transport/http/stream_handler_registry.hpp"

namespace talkline::transport::http {

/// What every session of one server shares. Owned by the Server and outlives all
/// of its sessions.
struct ServerContext {
  ServerContext(ServerOptions server_options, Router router, boost::asio::thread_pool::executor_type worker_executor)
      : options(std::move(server_options)), pipeline(options, std::move(router)), workers(std::move(worker_executor)) {}

  const ServerOptions options;
  const Pipeline pipeline;
  StreamHandlerRegistry streams;
  SessionRegistry sessions;
  /// Where handlers and the rate limiter run, off the event loops.
  boost::asio::thread_pool::executor_type workers;
  /// Set once shutdown begins: no new requests on kept-alive connections.
  std::atomic<bool> stopping{false};
};

}  // namespace talkline::transport::http
