#include "transport/engineio/server/heartbeats.hpp"

#include <utility>

namespace talkline::transport::engineio {

namespace net = boost::asio;

Heartbeats::Heartbeats(net::execution_context& context)
    : net::execution_context::service(context), io_(static_cast<net::io_context&>(context)) {}

void Heartbeats::arm(Clock::duration span, std::weak_ptr<HeartbeatTarget> target, std::uint64_t arming) {
  auto& slot = queues_[span];
  if (!slot) slot = std::make_unique<Queue>(io_);
  Queue& queue = *slot;
  queue.entries.push_back(Entry{Clock::now() + span, std::move(target), arming});
  if (!queue.waiting && !queue.firing) wait(queue);
}

std::size_t Heartbeats::pending() const {
  std::size_t count = 0;
  for (const auto& [span, queue] : queues_) count += queue->entries.size();
  return count;
}

void Heartbeats::wait(Queue& queue) {
  queue.waiting = true;
  queue.timer.expires_at(queue.entries.front().due);
  queue.timer.async_wait([this, &queue](boost::system::error_code ec) {
    // Aborted only by shutdown(): the queue is being emptied, nothing to do.
    if (ec == net::error::operation_aborted) return;
    queue.waiting = false;
    fire(queue);
  });
}

void Heartbeats::fire(Queue& queue) {
  queue.firing = true;
  const auto now = Clock::now();
  while (!queue.entries.empty() && queue.entries.front().due <= now) {
    Entry entry = std::move(queue.entries.front());
    queue.entries.pop_front();
    if (auto target = entry.target.lock()) target->heartbeat_due(entry.arming);
  }
  queue.firing = false;
  if (!queue.entries.empty()) wait(queue);
}

void Heartbeats::shutdown() {
  for (auto& [span, queue] : queues_) {
    queue->timer.cancel();
    queue->entries.clear();
  }
}

}  // namespace talkline::transport::engineio
