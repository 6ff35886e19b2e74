#include "transport/http/server.hpp"

#include <condition_variable>
#include <csignal>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "transport/asio/asio.hpp"
#include "transport/http/event_loops.hpp"
#include "transport/http/listener.hpp"
#include "transport/http/server_context.hpp"
#include "transport/http/stream_handler.hpp"
#include "util/cores.hpp"
#include "util/log.hpp"

namespace talkline::transport::http {

namespace net = boost::asio;

namespace {

std::size_t resolve_workers(int requested) {
  if (requested > 0) return static_cast<std::size_t>(requested);
  return static_cast<std::size_t>(util::usable_cores());
}

}  // namespace

// One io_context per loop, each run by one thread (docs/HLD.md "Threads"): a
// connection is accepted onto one loop and stays there, so its work never contends
// with another thread's and never needs a strand.
//
// Members are declared so that destruction is safe: the worker pool is joined first
// (in ~State), and the context outlives the loops, whose destructors destroy any
// session coroutines still suspended and so run their registry clean-up.
struct Server::State {
  State(ServerOptions options, Router router)
      : workers(resolve_workers(options.worker_threads)),
        context(std::move(options), std::move(router), workers.get_executor()),
        loops(context.options.io_threads, context.options.loop_lag_probe),
        listener(loops, context) {}

  ~State() {
    workers.stop();
    workers.join();
  }

  net::thread_pool workers;
  ServerContext context;
  EventLoops loops;
  Listener listener;

  std::mutex mutex;
  std::condition_variable stop_requested_changed;
  bool stop_requested = false;
};

Server::Server(ServerOptions options, Router router)
    : state_(std::make_unique<State>(std::move(options), std::move(router))) {}

Server::~Server() = default;

Result<std::uint16_t> Server::listen() {
  const auto& options = state_->context.options;
  return state_->listener.open(options.host, options.port);
}

void Server::add_stream_handler(std::string prefix, std::shared_ptr<StreamHandler> handler) {
  state_->context.streams.add(std::move(prefix), std::move(handler));
}

void Server::run() {
  auto& state = *state_;
  const auto& options = state.context.options;
  if (!state.listener.is_open()) {
    auto port = listen();
    if (!port) {
      util::log::error("http.listen_failed", {{"error", std::string_view(port.error().message)}});
      return;
    }
  }

  net::signal_set signals(state.loops.at(0), SIGINT, SIGTERM);
  signals.async_wait([this](const boost::system::error_code& ec, int signal_number) {
    if (ec) return;
    util::log::info("http.signal", {{"signal", std::int64_t{signal_number}}});
    stop();
  });
  state.listener.start();

  state.loops.start();

  {
    std::unique_lock lock(state.mutex);
    state.stop_requested_changed.wait(lock, [&state] { return state.stop_requested; });
  }

  // Drain: the listener has been told to close and to notify the sessions.
  auto deadline = std::chrono::steady_clock::now() + options.shutdown_grace;
  if (!state.context.sessions.wait_until_empty(deadline)) {
    util::log::warn("http.shutdown_grace_expired",
                    {{"open_connections", static_cast<std::int64_t>(state.context.sessions.size())}});
  }
  if (options.on_shutdown) {
    try {
      options.on_shutdown();
    } catch (const std::exception& e) {
      util::log::error("http.on_shutdown_failed", {{"error", std::string_view(e.what())}});
    }
  }

  state.loops.stop();
  state.loops.join();
  // With no loop running, this thread may touch loop 0's signal set.
  boost::system::error_code ignored;
  signals.cancel(ignored);
  state.context.streams.stopped_all();
  // Handlers still queued or running past the grace period are waited for here, not
  // abandoned: an abandoned one would be destroyed with the pool, after the session
  // registry it refers to. They finish fast (the store is closed by now) and their
  // completions die with the io_context, while the context is still alive.
  state.workers.join();
  util::log::info("http.stopped");
}

void Server::stop() {
  auto& state = *state_;
  {
    std::lock_guard lock(state.mutex);
    if (state.stop_requested) return;
    state.stop_requested = true;
  }
  // Set before the sessions are told, so a session between requests either sees the
  // flag or is closed by the notification.
  state.context.stopping = true;
  state.listener.close();
  state.stop_requested_changed.notify_all();
}

}  // namespace talkline::transport::http
