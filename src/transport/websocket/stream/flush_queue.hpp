#pragma once

// The streams of one event loop that have frames waiting, flushed together once the
// loop finishes what it is doing. One posted handler per loop turn carries every
// stream's write, rather than one post (an allocation and a queue operation) per
// stream: in a group fan-out each delivery is to a different stream.
//
// Threads: the loop's only. One instance per io_context (an Asio service), found with of().

#include <memory>
#include <vector>

#include "transport/asio/asio.hpp"

namespace talkline::transport::websocket {

class Stream;

class FlushQueue : public boost::asio::execution_context::service {
 public:
  inline static boost::asio::execution_context::id id;
  /// `context` must be an io_context (the loops are).
  explicit FlushQueue(boost::asio::execution_context& context);
  FlushQueue(const FlushQueue&) = delete;
  FlushQueue& operator=(const FlushQueue&) = delete;

  static FlushQueue& of(boost::asio::execution_context& context) {
    return boost::asio::use_service<FlushQueue>(context);
  }

  /// Flushes `stream` at the end of this loop turn. Once per turn per stream: the stream
  /// remembers that it is queued.
  void add(std::shared_ptr<Stream> stream);

 private:
  void shutdown() override;
  void drain();

  boost::asio::io_context& io_;
  std::vector<std::shared_ptr<Stream>> queued_;
  std::vector<std::shared_ptr<Stream>> draining_;
  bool posted_ = false;
};

}  // namespace talkline::transport::websocket
