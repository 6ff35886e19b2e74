#pragma once

#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include "model/types.hpp"

namespace talkline::realtime {

/// Who is typing where, so an indicator that is not refreshed can be withdrawn.
/// Thread-safe.
class TypingTracker {
 public:
  struct Expired {
    model::Id user_id = 0;
    model::Id conversation_id = 0;
    std::vector<model::Id> member_ids;
  };

  /// `user_id` is typing in `conversation_id` until `expires_at_ms` unless refreshed.
  void typing(model::Id user_id, model::Id conversation_id, std::vector<model::Id> member_ids,
              std::int64_t expires_at_ms);
  /// Stopped typing; true when they were typing.
  bool stopped(model::Id user_id, model::Id conversation_id);
  /// Takes out every indicator past its time.
  std::vector<Expired> take_expired(std::int64_t now_ms);

 private:
  struct Entry {
    std::int64_t expires_at_ms = 0;
    std::vector<model::Id> member_ids;
  };
  std::mutex mutex_;
  std::map<std::pair<model::Id, model::Id>, Entry> entries_;
};

}  // namespace talkline::realtime
