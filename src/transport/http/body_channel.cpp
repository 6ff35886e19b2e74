#include "transport/http/body_channel.hpp"

namespace talkline::transport::http {

namespace net = boost::asio;

BodyChannel::BodyChannel(net::any_io_executor loop, std::size_t limit, std::chrono::milliseconds stall_timeout)
    : loop_(std::move(loop)), limit_(limit), stall_timeout_(stall_timeout) {}

bool BodyChannel::push(std::string_view chunk) {
  std::unique_lock lock(mutex_);
  if (cancelled_) return false;
  if (!chunk.empty()) {
    chunks_.emplace_back(chunk);
    queued_ += chunk.size();
    if (loop_waiting_) {
      loop_waiting_ = false;
      lock.unlock();
      wake_loop();
      lock.lock();
    }
  }
  if (!room_.wait_for(lock, stall_timeout_, [this] { return cancelled_ || queued_ <= limit_; })) {
    cancelled_ = true;
  }
  return !cancelled_;
}

void BodyChannel::finish(bool ok) {
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    finished_ = true;
    ok_ = ok;
    wake = loop_waiting_;
    loop_waiting_ = false;
  }
  if (wake) wake_loop();
}

// The posted handler runs on the loop, where waiting_on_ lives; a wake that finds
// the loop not waiting (it was already running) does nothing, and the loop looks at
// the queue before it waits again.
void BodyChannel::wake_loop() {
  net::post(loop_, [self = shared_from_this()] {
    if (self->waiting_on_ != nullptr) self->waiting_on_->cancel();
  });
}

net::awaitable<BodyChannel::Batch> BodyChannel::next(net::steady_timer& wake) {
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (!chunks_.empty() || finished_) {
        Batch batch;
        batch.chunks.assign(std::make_move_iterator(chunks_.begin()), std::make_move_iterator(chunks_.end()));
        chunks_.clear();
        batch.finished = finished_;
        batch.ok = ok_;
        co_return batch;
      }
      loop_waiting_ = true;
    }
    // Nothing runs on this loop between the unlock and the wait starting, so a wake
    // posted meanwhile finds waiting_on_ set and cancels the wait.
    boost::system::error_code ignored;
    wake.expires_at(net::steady_timer::time_point::max());
    waiting_on_ = &wake;
    co_await wake.async_wait(net::redirect_error(net::use_awaitable, ignored));
    waiting_on_ = nullptr;
  }
}

void BodyChannel::release(std::size_t bytes) {
  {
    std::lock_guard lock(mutex_);
    queued_ -= bytes < queued_ ? bytes : queued_;
  }
  room_.notify_all();
}

void BodyChannel::cancel() {
  {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
  }
  room_.notify_all();
}

}  // namespace talkline::transport::http
