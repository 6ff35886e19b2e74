#include "realtime/offline_announcements.hpp"

#include <algorithm>
#include <cstdint>
#include <string_view>

#include "util/log.hpp"

namespace talkline::realtime {

void OfflineAnnouncements::add(model::LastSeen seen) {
  {
    std::lock_guard lock(mutex_);
    queued_.push_back(seen);
    if (draining_) return;
    draining_ = true;
  }
  post_([this] { drain(); });
}

void OfflineAnnouncements::drain() {
  for (;;) {
    std::vector<model::LastSeen> batch;
    {
      std::lock_guard lock(mutex_);
      if (queued_.empty()) {
        draining_ = false;
        return;
      }
      batch.swap(queued_);
    }
    std::erase_if(batch, [this](const model::LastSeen& seen) { return steps_.online_again(seen.user_id); });
    if (batch.empty()) continue;
    // A failed write is logged and the users are still announced: contacts should not
    // go on seeing them online because a time could not be stored.
    if (auto recorded = steps_.record(batch); !recorded.ok()) {
      util::log::warn("realtime.last_seen_not_recorded", {{"users", static_cast<std::int64_t>(batch.size())},
                                                          {"error", std::string_view(recorded.error().message)}});
    }
    for (const auto& seen : batch) steps_.announce(seen);
  }
}

}  // namespace talkline::realtime
