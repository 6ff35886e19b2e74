#include "util/wakeup_batch.hpp"

#include <exception>
#include <utility>

#include "util/log.hpp"

namespace talkline::util {

namespace {
thread_local std::vector<std::function<void()>>* open_list = nullptr;
}  // namespace

WakeupBatch::WakeupBatch() : outermost_(open_list == nullptr) {
  if (outermost_) open_list = &held_;
}

WakeupBatch::~WakeupBatch() {
  if (!outermost_) return;
  // Closed before waking: a wake-up that hands out work of its own is not held again.
  open_list = nullptr;
  for (auto& wake : held_) {
    try {
      wake();
    } catch (const std::exception& e) {
      // A lost wake-up would leave its queue unread until the next one; say so.
      log::error("wakeup_batch.wake_failed", {{"error", std::string_view(e.what())}});
    }
  }
}

bool WakeupBatch::hold(std::function<void()> wake) {
  if (open_list == nullptr) return false;
  open_list->push_back(std::move(wake));
  return true;
}

}  // namespace talkline::util
