#include "connector.hpp"

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <thread>

#include "api_client.hpp"

namespace talkline::bench {

namespace net = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

struct ConnectState {
  IoPool* pool = nullptr;
  const CommonOptions* options = nullptr;
  const std::vector<std::string>* tokens = nullptr;
  const PrepareConnection* prepare = nullptr;
  std::vector<net::ip::tcp::endpoint> servers;  ///< per node, as options->targets
  ConnectOutcome outcome;
  std::atomic<std::size_t> next{0};
  std::atomic<int> workers_left{0};
  std::mutex mutex;
  std::promise<void> done;
};

net::awaitable<void> connect_worker(std::shared_ptr<ConnectState> state) {
  const auto count = state->tokens->size();
  for (;;) {
    const std::size_t index = state->next.fetch_add(1);
    if (index >= count) break;
    auto connection = std::make_shared<SioConnection>(state->pool->context());
    if (*state->prepare) (*state->prepare)(index, *connection);
    const std::size_t node = node_of(index, state->servers.size());
    auto handshake = connection->connect(state->servers[node], state->options->targets[node].authority(),
                                         source_address_for(*state->options, index), (*state->tokens)[index],
                                         std::chrono::seconds(15));
    // Run the handshake on the connection's own strand and wait for its answer here.
    std::string error = co_await net::co_spawn(connection->strand(), std::move(handshake), net::use_awaitable);
    std::lock_guard lock(state->mutex);
    if (error.empty()) {
      connection->start();
      state->outcome.connections[index] = std::move(connection);
    } else {
      connection->close();
      if (state->outcome.failed++ == 0) state->outcome.first_error = error;
    }
  }
  if (--state->workers_left == 0) state->done.set_value();
}

}  // namespace

ConnectOutcome connect_all(IoPool& pool, const CommonOptions& options, const std::vector<std::string>& tokens,
                           const PrepareConnection& prepare) {
  auto state = std::make_shared<ConnectState>();
  state->pool = &pool;
  state->options = &options;
  state->tokens = &tokens;
  state->prepare = &prepare;
  for (const auto& target : options.targets) state->servers.push_back(resolve_endpoint(target.host, target.port));
  state->outcome.connections.resize(tokens.size());
  const int workers = std::max(1, std::min<int>(options.connect_concurrency, static_cast<int>(tokens.size())));
  state->workers_left = workers;

  const auto started = Clock::now();
  for (int w = 0; w < workers; ++w) {
    net::co_spawn(net::make_strand(pool.context()), connect_worker(state), net::detached);
  }
  state->done.get_future().wait();
  state->outcome.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return std::move(state->outcome);
}

int count_open(const std::vector<std::shared_ptr<SioConnection>>& connections) {
  int open = 0;
  for (const auto& connection : connections) {
    if (connection && connection->is_open()) ++open;
  }
  return open;
}

void close_all(const std::vector<std::shared_ptr<SioConnection>>& connections, double wait_seconds) {
  for (const auto& connection : connections) {
    if (connection) connection->close();
  }
  const auto deadline = Clock::now() + std::chrono::duration<double>(wait_seconds);
  while (count_open(connections) > 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace talkline::bench
