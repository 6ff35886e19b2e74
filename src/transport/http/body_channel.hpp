#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "transport/asio/asio.hpp"

namespace talkline::transport::http {

/// Carries a streamed response body from its producer, blocking on the worker pool,
/// to the connection's event loop, which writes it. At most `limit` bytes wait in it
/// (plus the one chunk being added): past that the producer blocks until the loop has
/// written some. The loop is woken by one post when it is waiting, not one per chunk.
///
/// Threads: push() and finish() are for the producer's thread; next(), release() and
/// cancel() for the loop's. Shared by both through a shared_ptr.
class BodyChannel : public std::enable_shared_from_this<BodyChannel> {
 public:
  /// `stall_timeout` bounds how long push() waits for room: a loop that stopped
  /// (shutdown) must not hold a pool thread forever.
  BodyChannel(boost::asio::any_io_executor loop, std::size_t limit, std::chrono::milliseconds stall_timeout);

  /// Producer: queues a copy of `chunk`, then waits while more than the limit is
  /// queued. False once the loop has cancelled or the wait timed out: stop producing.
  bool push(std::string_view chunk);
  /// Producer: no more chunks; `ok` says whether the body was produced whole.
  void finish(bool ok);

  struct Batch {
    std::vector<std::string> chunks;  // in order; hand their total to release() once written
    bool finished = false;            // the producer is done: nothing follows `chunks`
    bool ok = false;                  // with finished: the body was produced whole
  };
  /// Loop: waits (on `wake`, a timer of the loop) until chunks are queued or the
  /// producer is done, and takes what is queued.
  boost::asio::awaitable<Batch> next(boost::asio::steady_timer& wake);
  /// Loop: `bytes` taken by next() have been written; lets the producer go on.
  void release(std::size_t bytes);
  /// Loop: the body will not be sent (the client is gone); push() returns false from now on.
  void cancel();

 private:
  void wake_loop();

  boost::asio::any_io_executor loop_;
  const std::size_t limit_;
  const std::chrono::milliseconds stall_timeout_;

  std::mutex mutex_;
  std::condition_variable room_;
  std::deque<std::string> chunks_;
  std::size_t queued_ = 0;  // bytes pushed and not yet released
  bool finished_ = false;
  bool ok_ = false;
  bool cancelled_ = false;
  bool loop_waiting_ = false;

  boost::asio::steady_timer* waiting_on_ = nullptr;  // the loop's alone
};

}  // namespace talkline::transport::http
