#pragma once

#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <string_view>
#include <utility>
#include <vector>

#include "util/log.hpp"
#include "util/wakeup_batch.hpp"

namespace talkline::store {

/// Runs a write's completion on its backend's writer thread. A completion that throws is
/// logged and goes no further: it must not take the writer thread down with it, and the
/// completions queued behind it still run.
template <typename Completion, typename Outcome>
void complete_logged(std::string_view backend, Completion& completion, Outcome&& outcome) noexcept {
  try {
    completion(std::forward<Outcome>(outcome));
  } catch (const std::exception& e) {
    util::log::error("store.completion_failed", {{"backend", backend}, {"error", std::string_view(e.what())}});
  } catch (...) {
    util::log::error("store.completion_failed", {{"backend", backend}, {"error", "unknown exception"}});
  }
}

/// Ends a batch of a store thread's work items: releases the callers waiting for theirs
/// (marked `done` under `mutex`, then `released` is notified), then runs the asynchronous
/// items' completions in batch order and frees them. Those are picked out first: a released
/// caller's item lives on its stack and may be gone as soon as the lock is dropped. The
/// completions' wake-ups of other threads go out after the last of them (util::WakeupBatch).
///
/// `Pending` has `done`, `outcome` and `completion` (empty for a waiting caller); an item
/// with a completion was allocated with new and is owned by the batch.
template <typename Pending>
void finish_batch(std::string_view backend, std::vector<Pending*>& batch, std::mutex& mutex,
                  std::condition_variable& released) {
  std::vector<std::unique_ptr<Pending>> owned;
  {
    std::lock_guard lock(mutex);
    for (Pending* pending : batch) {
      if (pending->completion) {
        owned.emplace_back(pending);
      } else {
        pending->done = true;
      }
    }
  }
  released.notify_all();
  util::WakeupBatch wakeups;
  for (auto& pending : owned) complete_logged(backend, pending->completion, std::move(pending->outcome));
}

}  // namespace talkline::store
