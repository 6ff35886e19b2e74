#include "realtime/delivery_inbox.hpp"

#include "util/metrics/node_metrics.hpp"
#include "util/wakeup_batch.hpp"

namespace talkline::realtime {

void DeliveryInbox::push(std::vector<Delivery>& deliveries) {
  if (deliveries.empty()) return;
  util::metrics::node_metrics().inbox_depth.add(static_cast<std::int64_t>(deliveries.size()));
  {
    std::lock_guard lock(mutex_);
    if (queued_.empty()) {
      queued_.swap(deliveries);
    } else {
      queued_.insert(queued_.end(), std::make_move_iterator(deliveries.begin()),
                     std::make_move_iterator(deliveries.end()));
    }
    deliveries.clear();
    if (posted_) return;
    posted_ = true;
  }
  auto wake = [this] { boost::asio::post(loop_, [this] { drain(); }); };
  if (!util::WakeupBatch::hold(wake)) wake();
}

void DeliveryInbox::drain() {
  std::vector<Delivery> batch;
  {
    std::lock_guard lock(mutex_);
    batch.swap(queued_);
    posted_ = false;
  }
  util::metrics::node_metrics().inbox_depth.add(-static_cast<std::int64_t>(batch.size()));
  drain_(batch);
}

}  // namespace talkline::realtime
