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
    // Aborted only when shutdown() destroys the queue: nothing to do, nothing to touch.
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

// The timers go here, not in the destructor: the timer service they belong to was made
// after this service (by the first queue), so the io_context destroys it first, and a
// timer destroyed after it would touch freed memory. Every service is shut down before
// any is destroyed, and a shut-down io_context runs no handler again.
void Heartbeats::shutdown() { queues_.clear(); }

}  // namespace talkline::transport::engineio
