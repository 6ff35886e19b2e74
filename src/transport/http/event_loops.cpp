#include "transport/http/event_loops.hpp"

#include <string>

#include <pthread.h>

#include "util/cores.hpp"

namespace talkline::transport::http {

namespace net = boost::asio;

EventLoops::EventLoops(int count) {
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
