#pragma once

#include <atomic>
#include <memory>

namespace talkline::api::v1 {

/// Bounds the attachment downloads that stream at once (TALKLINE_DOWNLOADS_MAX_CONCURRENT).
/// A streamed body holds a worker of the HTTP pool for as long as its client takes to
/// read it, so without a bound as many slow readers as the pool has workers would stall
/// every other handler of the node until the request timeout.
/// Threads: any; take() never blocks, and a slot may be given back on any thread.
class DownloadSlots {
 public:
  explicit DownloadSlots(int capacity) : free_(std::make_shared<std::atomic<int>>(capacity)) {}

  /// A slot, held until the last copy of the token is destroyed (it is captured by the
  /// body's producer, so it goes when the producer is done or dropped); null when every
  /// slot is taken. The token keeps the count alive, so it may outlive this object.
  std::shared_ptr<void> take() {
    int free = free_->load(std::memory_order_relaxed);
    do {
      if (free <= 0) return nullptr;
    } while (!free_->compare_exchange_weak(free, free - 1, std::memory_order_acq_rel));
    // Not null, so the token tests true; the deleter gives the slot back.
    return std::shared_ptr<void>(free_.get(),
                                 [count = free_](void*) { count->fetch_add(1, std::memory_order_acq_rel); });
  }

 private:
  std::shared_ptr<std::atomic<int>> free_;
};

}  // namespace talkline::api::v1
