#include "transport/http/server.hpp"

#include <condition_variable>
#include <csignal>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "transport/asio/asio.hpp"
#include "transport/http/listener.hpp"
#include "transport/http/server_context.hpp"
#include "transport/http/stream_handler.hpp"
#include "util/log.hpp"

namespace talkline::transport::http {

namespace net = boost::asio;

namespace {

int resolve_io_threads(int requested) {
  if (requested > 0) return requested;
  auto cores = static_cast<int>(std::thread::hardware_concurrency());
  return cores > 0 ? cores : 1;
}

}  // namespace

// One io_context run by all I/O threads, with a strand per connection, rather than
// one io_context per thread: any idle thread can pick up any connection's work, so
// a few busy connections cannot starve the others that happen to share their
// thread, and nothing has to balance connections across contexts. The strand costs
// little next to the system calls each operation makes.
//
// Members are declared so that destruction is safe: the worker pool is joined first
// (in ~State), and the context outlives the io_context, whose destructor destroys
// any session coroutines still suspended and so runs their registry clean-up.
struct Server::State {
  State(ServerOptions options, Router router)
      : io_threads(resolve_io_threads(options.io_threads)),
        workers(static_cast<std::size_t>(options.worker_threads > 0 ? options.worker_threads : 1)),
        context(std::move(options), std::move(router), workers.get_executor()),
        io(io_threads),
        listener(io, context) {}

  ~State() {
    workers.stop();
    workers.join();
  }

  int io_threads;
  net::thread_pool workers;
  ServerContext context;
  net::io_context io;
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

  net::signal_set signals(state.io, SIGINT, SIGTERM);
  signals.async_wait([this](const boost::system::error_code& ec, int signal_number) {
    if (ec) return;
    util::log::info("http.signal", {{"signal", std::int64_t{signal_number}}});
    stop();
  });
  state.listener.start();

  auto keep_running = net::make_work_guard(state.io);
  std::vector<std::thread> threads;
  threads.reserve(static_cast<std::size_t>(state.io_threads));
  for (int i = 0; i < state.io_threads; ++i) threads.emplace_back([&state] { state.io.run(); });

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

  boost::system::error_code ignored;
  signals.cancel(ignored);
  keep_running.reset();
  state.io.stop();
  for (auto& thread : threads) thread.join();
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
