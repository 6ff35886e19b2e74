#include "transport/http/event_loops.hpp"

#include <algorithm>
#include <string>

#include <pthread.h>

#include "util/cores.hpp"
#include "util/metrics/node_metrics.hpp"

namespace talkline::transport::http {

namespace net = boost::asio;

EventLoops::EventLoops(int count, std::chrono::milliseconds lag_probe) : lag_probe_(lag_probe) {
  if (count <= 0) count = util::usable_cores();
  loops_.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    // The concurrency hint 1 tells Asio's scheduler that one thread runs this context,
    // so it never wakes a second one to share the work.
    loops_.push_back(std::make_unique<net::io_context>(1));
  }
}

EventLoops::~EventLoops() {
  stop();
  join();
}

net::io_context& EventLoops::next() {
  auto& loop = *loops_[next_];
  next_ = (next_ + 1) % loops_.size();
  return loop;
}

void EventLoops::start() {
  threads_.reserve(loops_.size());
  if (lag_probe_.count() > 0) {
    for (std::size_t i = 0; i < loops_.size(); ++i) {
      probes_.push_back(std::make_unique<net::steady_timer>(*loops_[i]));
      util::metrics::node_metrics().loop(i);  // the family lists every loop from the start
      net::post(*loops_[i], [this, i] { probe_lag(i); });
    }
  }
  for (std::size_t i = 0; i < loops_.size(); ++i) {
    keep_running_.push_back(net::make_work_guard(*loops_[i]));
    threads_.emplace_back([loop = loops_[i].get(), i] {
      // Named so that top, perf and gdb tell the loops apart.
      const std::string name = "tl-loop-" + std::to_string(i);
      pthread_setname_np(pthread_self(), name.c_str());
      loop->run();
    });
  }
}

// On loop `index`: one probe, then the next. The lateness is how long the loop held
// other work past the timer's expiry.
void EventLoops::probe_lag(std::size_t index) {
  auto& timer = *probes_[index];
  timer.expires_after(lag_probe_);
  timer.async_wait([this, index, due = timer.expiry()](boost::system::error_code ec) {
    if (ec) return;
    const auto late = std::chrono::steady_clock::now() - due;
    util::metrics::node_metrics().loop(index).lag.observe(
        static_cast<std::uint64_t>(std::max<std::int64_t>(0, std::chrono::nanoseconds(late).count())));
    probe_lag(index);
  });
}

void EventLoops::stop() {
  for (auto& loop : loops_) loop->stop();
}

void EventLoops::join() {
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
  keep_running_.clear();
}

}  // namespace talkline::transport::http
