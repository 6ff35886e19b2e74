#pragma once

#include <functional>
#include <vector>

namespace talkline::util {

/// Holds back the wake-ups one thread sends to others while it hands out a batch of work
/// (a group commit's completions, one read of bus envelopes) and sends them when the
/// batch ends, so each woken thread is woken once per batch and finds all of it queued.
///
/// Without it, a thread that shares its core with the loops it feeds wakes a loop with
/// the first completion, is preempted by it, and wakes it again for the next: one
/// wake-up and one context switch per message instead of one per batch.
///
/// Threads: a batch belongs to the thread that opened it; hold() looks only at the
/// calling thread's batch. Batches nest: only the outermost one sends the wake-ups.
class WakeupBatch {
 public:
  WakeupBatch();
  /// Sends the held wake-ups in the order they were held.
  ~WakeupBatch();
  WakeupBatch(const WakeupBatch&) = delete;
  WakeupBatch& operator=(const WakeupBatch&) = delete;

  /// Inside a batch on this thread, keeps `wake` for the batch's end and returns true;
  /// outside one, returns false and the caller wakes at once.
  static bool hold(std::function<void()> wake);

 private:
  std::vector<std::function<void()>> held_;
  bool outermost_;
};

}  // namespace talkline::util
