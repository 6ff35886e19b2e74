#include "jobs/upload_sweeper.hpp"

#include <algorithm>
#include <string_view>
#include <utility>
#include <vector>

#include <pthread.h>

#include "util/log.hpp"

namespace talkline::jobs {

namespace {

// The shortest age at which an unfinished write counts as abandoned.
constexpr std::chrono::seconds kAbandonedWriteMargin{3600};

void log_failure(std::string_view step, const Error& error) {
  util::log::warn("upload_sweep.failed", {{"step", step}, {"error", std::string_view(error.message)}});
}

}  // namespace

UploadSweeper::UploadSweeper(store::Store& store, blob::BlobStore& blobs, const util::Clock& clock,
                             UploadSweepOptions options)
    : store_(store), blobs_(blobs), clock_(clock), options_(options) {}

UploadSweeper::~UploadSweeper() { stop(); }

void UploadSweeper::start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "tl-upload-sweep");
    run();
  });
}

void UploadSweeper::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool UploadSweeper::stopping() {
  std::lock_guard lock(mutex_);
  return stopping_;
}

void UploadSweeper::run() {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      if (wake_.wait_for(lock, options_.interval, [this] { return stopping_; })) return;
    }
    const SweepCounts counts = sweep_once();
    if (counts.uploads_removed > 0 || counts.usage_hours_forgotten > 0 || counts.blobs_freed > 0 ||
        counts.abandoned_writes_removed > 0) {
      util::log::info("upload_sweep.done", {{"uploads_removed", counts.uploads_removed},
                                            {"usage_hours_forgotten", counts.usage_hours_forgotten},
                                            {"blobs_freed", counts.blobs_freed},
                                            {"abandoned_writes_removed", counts.abandoned_writes_removed}});
    }
  }
}

// Frees the queued blobs page by page in key order, each page after the last key of the
// one before, and returns how many went. A key whose blob could not be removed stays
// queued for the next pass without being read again in this one: a full page of failing
// keys must not hide the keys behind it.
std::int64_t UploadSweeper::free_released_blobs() {
  std::int64_t freed_count = 0;
  std::string after;
  for (;;) {
    auto keys = store_.blob_release_list(after, options_.batch);
    if (!keys.ok()) {
      log_failure("release_list", keys.error());
      break;
    }
    std::vector<std::string> freed;
    for (const auto& key : *keys) {
      auto removed = blobs_.remove(key);
      if (removed.ok()) {
        freed.push_back(key);
      } else {
        log_failure("blob_remove", removed.error());
      }
    }
    if (!freed.empty()) {
      if (auto done = store_.blob_release_done(freed); !done.ok()) {
        log_failure("release_done", done.error());
        break;
      }
    }
    freed_count += static_cast<std::int64_t>(freed.size());
    if (static_cast<int>(keys->size()) < options_.batch || stopping()) break;
    after = keys->back();
  }
  return freed_count;
}

// Repeats a bounded store call until it does less than a full batch (or fails, or the
// sweeper stops), so one run clears a backlog without one long transaction.
int UploadSweeper::in_batches(std::string_view step, const std::function<Result<int>()>& one_batch) {
  int total = 0;
  for (;;) {
    auto done = one_batch();
    if (!done.ok()) {
      log_failure(step, done.error());
      return total;
    }
    total += *done;
    if (*done < options_.batch || stopping()) return total;
  }
}

SweepCounts UploadSweeper::sweep_once() {
  SweepCounts counts;
  const model::Millis now = clock_.now_ms();
  const model::Millis cutoff =
      now - std::chrono::duration_cast<std::chrono::milliseconds>(options_.unattached_ttl).count();
  counts.uploads_removed = in_batches("uploads", [&] { return store_.upload_sweep(cutoff, options_.batch); });
  const model::Millis usage_cutoff =
      now - std::chrono::duration_cast<std::chrono::milliseconds>(options_.usage_window).count();
  counts.usage_hours_forgotten =
      in_batches("usage", [&] { return store_.upload_usage_prune(usage_cutoff, options_.batch); });
  counts.blobs_freed = free_released_blobs();
  const auto margin = std::max(options_.unattached_ttl, kAbandonedWriteMargin);
  const auto write_cutoff = blob::Clock::time_point(std::chrono::milliseconds(now)) - margin;
  if (auto abandoned = blobs_.remove_abandoned_writes(write_cutoff); abandoned.ok()) {
    counts.abandoned_writes_removed = static_cast<std::int64_t>(*abandoned);
  } else {
    log_failure("abandoned_writes", abandoned.error());
  }
  return counts;
}

}  // namespace talkline::jobs
