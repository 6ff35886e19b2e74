#include "transport/websocket/stream/flush_queue.hpp"

#include "transport/websocket/stream/stream.hpp"

namespace talkline::transport::websocket {

namespace net = boost::asio;

FlushQueue::FlushQueue(net::execution_context& context)
    : net::execution_context::service(context), io_(static_cast<net::io_context&>(context)) {}

void FlushQueue::add(std::shared_ptr<Stream> stream) {
  queued_.push_back(std::move(stream));
  if (posted_) return;
  posted_ = true;
  net::post(io_, [this] { drain(); });
}

void FlushQueue::drain() {
  posted_ = false;
  // A flush may queue again (a stream closing after its write); that goes to the next turn.
  draining_.swap(queued_);
  for (auto& stream : draining_) stream->flush_turn();
  draining_.clear();
}

// The loop is gone: nothing will be written any more.
void FlushQueue::shutdown() {
  queued_.clear();
  draining_.clear();
}

}  // namespace talkline::transport::websocket
