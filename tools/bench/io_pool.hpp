#pragma once

#include <memory>
#include <thread>
#include <vector>

#include "transport/asio/asio.hpp"

namespace talkline::bench {

/// One io_context run by N threads; each connection gets its own strand of it.
class IoPool {
 public:
  explicit IoPool(int threads);
  ~IoPool();
  IoPool(const IoPool&) = delete;
  IoPool& operator=(const IoPool&) = delete;

  boost::asio::io_context& context() { return context_; }
  int thread_count() const { return static_cast<int>(threads_.size()); }

  /// Index of the pool thread running the caller (0..thread_count-1); -1 elsewhere.
  static int thread_index();

  /// Lets the threads finish once no work is left, and joins them.
  void join();

 private:
  boost::asio::io_context context_;
  std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guard_;
  std::vector<std::thread> threads_;
};

}  // namespace talkline::bench
