#include "io_pool.hpp"

namespace talkline::bench {
namespace {
thread_local int t_thread_index = -1;
}

IoPool::IoPool(int threads)
    : context_(threads),
      guard_(std::make_unique<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>(
          context_.get_executor())) {
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this, i] {
      t_thread_index = i;
      context_.run();
    });
  }
}

IoPool::~IoPool() {
  context_.stop();
  join();
}

int IoPool::thread_index() { return t_thread_index; }

void IoPool::join() {
  guard_.reset();
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

}  // namespace talkline::bench
