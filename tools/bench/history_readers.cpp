#include "history_readers.hpp"

namespace talkline::bench {

namespace net = boost::asio;

HistoryReaders::HistoryReaders(IoPool& pool, const CommonOptions& common, Traffic& traffic, std::vector<Target> targets,
                               double rate, int workers, int page_limit)
    : state_(std::make_shared<State>()) {
  state_->traffic = &traffic;
  state_->targets = std::move(targets);
  state_->rate = rate;
  state_->page_limit = page_limit;
  // Reader w reads from node w mod N, so every node serves its share of the reads.
  std::vector<net::ip::tcp::endpoint> servers;
  for (const auto& node : common.targets) servers.push_back(resolve_endpoint(node.host, node.port));
  for (std::size_t w = 0; w < static_cast<std::size_t>(std::max(1, workers)); ++w) {
    const std::size_t node = node_of(w, servers.size());
    state_->clients.push_back(std::make_unique<ApiClient>(net::make_strand(pool.context()), servers[node],
                                                          common.targets[node].authority(),
                                                          source_address_for(common, w)));
  }
}

void HistoryReaders::start(Clock::time_point begin, Clock::time_point end, WindowOf window_of) {
  if (state_->rate <= 0 || state_->targets.empty()) return;
  for (std::size_t w = 0; w < state_->clients.size(); ++w) {
    ++state_->active;
    net::co_spawn(state_->clients[w]->executor(), run_worker(state_, w, begin, end, window_of), net::detached);
  }
}

// Worker w makes reads w, w+W, w+2W, … of the phase; read n is due at begin + n/rate.
net::awaitable<void> HistoryReaders::run_worker(std::shared_ptr<State> state, std::size_t worker,
                                                Clock::time_point begin, Clock::time_point end, WindowOf window_of) {
  auto& client = *state->clients[worker];
  net::steady_timer timer(client.executor());
  const auto interval = std::chrono::duration<double>(1 / state->rate);
  const std::size_t workers = state->clients.size();
  boost::system::error_code ec;
  for (std::size_t n = worker;; n += workers) {
    const auto planned = begin + std::chrono::duration_cast<Clock::duration>(interval * static_cast<double>(n));
    if (planned >= end) break;
    if (planned > Clock::now()) {
      timer.expires_at(planned);
      co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
    }
    const auto& target = state->targets[n % state->targets.size()];
    const std::string path =
        "/api/v1/conversations/" + target.conversation_id + "/messages?limit=" + std::to_string(state->page_limit);
    bool ok = false;
    try {
      const ApiReply reply = co_await client.get(path, target.token);
      ok = reply.status == 200 && reply.body.is_object() && reply.body.contains("items");
    } catch (const std::exception&) {
      ok = false;
    }
    const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - planned).count();
    state->traffic->record_read(window_of(planned), ok, static_cast<std::uint64_t>(std::max<long long>(0, elapsed)));
  }
  --state->active;
}

}  // namespace talkline::bench
