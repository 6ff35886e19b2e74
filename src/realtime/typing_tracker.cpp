#include "realtime/typing_tracker.hpp"

namespace talkline::realtime {

void TypingTracker::typing(model::Id user_id, model::Id conversation_id, std::vector<model::Id> member_ids,
                           std::int64_t expires_at_ms) {
  std::lock_guard lock(mutex_);
  entries_[{user_id, conversation_id}] = Entry{expires_at_ms, std::move(member_ids)};
}

bool TypingTracker::stopped(model::Id user_id, model::Id conversation_id) {
  std::lock_guard lock(mutex_);
  return entries_.erase({user_id, conversation_id}) > 0;
}

std::vector<TypingTracker::Expired> TypingTracker::take_expired(std::int64_t now_ms) {
  std::vector<Expired> expired;
  std::lock_guard lock(mutex_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.expires_at_ms <= now_ms) {
      expired.push_back(Expired{it->first.first, it->first.second, std::move(it->second.member_ids)});
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
  return expired;
}

}  // namespace talkline::realtime
