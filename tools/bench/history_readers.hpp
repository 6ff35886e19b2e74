#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "api_client.hpp"
#include "bench_options.hpp"
#include "io_pool.hpp"
#include "traffic.hpp"

namespace talkline::bench {

/// Open-loop history reads (`GET /api/v1/conversations/{id}/messages`) alongside a
/// phase: `rate` reads per second spread over `workers` kept-alive HTTP connections,
/// each read planned in advance and timed from its planned time, recorded in the
/// Traffic's windows. Reads go round the (token, conversation) pairs in turn.
class HistoryReaders : public PhaseCompanion {
 public:
  struct Target {
    std::string token;
    std::string conversation_id;
  };

  HistoryReaders(IoPool& pool, const CommonOptions& common, Traffic& traffic, std::vector<Target> targets, double rate,
                 int workers, int page_limit);

  void start(Clock::time_point begin, Clock::time_point end, WindowOf window_of) override;
  bool idle() const override { return state_->active == 0; }

 private:
  struct State {
    Traffic* traffic = nullptr;
    std::vector<Target> targets;
    std::vector<std::unique_ptr<ApiClient>> clients;
    double rate = 0;
    int page_limit = 50;
    std::atomic<int> active{0};
  };
  static boost::asio::awaitable<void> run_worker(std::shared_ptr<State> state, std::size_t worker,
                                                 Clock::time_point begin, Clock::time_point end, WindowOf window_of);

  std::shared_ptr<State> state_;
};

}  // namespace talkline::bench
