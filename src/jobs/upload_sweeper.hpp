#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "blob/blob_store.hpp"
#include "services/upload_service.hpp"
#include "store/store.hpp"
#include "util/clock.hpp"

namespace talkline::jobs {

struct UploadSweepOptions {
  /// An upload no message took is removed once older than this.
  std::chrono::seconds unattached_ttl{86400};
  std::chrono::seconds interval{60};
  /// Uploads removed, blobs freed, or hours of usage forgotten, per store call.
  int batch = 500;
  /// Usage older than this no longer counts for the daily quota, and is forgotten.
  std::chrono::seconds usage_window{services::kUploadQuotaWindow};
};

/// What one pass did.
struct SweepCounts {
  std::int64_t uploads_removed = 0;
  std::int64_t usage_hours_forgotten = 0;
  std::int64_t blobs_freed = 0;
  std::int64_t abandoned_writes_removed = 0;
};

/// The background sweep of uploads, one thread per node. Every interval it
/// 1. removes uploads never attached and older than the TTL (Store::upload_sweep, in
///    batches), which queues their blobs to free;
/// 2. forgets hours of upload usage past the quota window (Store::upload_usage_prune);
/// 3. frees every queued blob — those, and the blobs of messages deleted since — from
///    the BlobStore, then forgets the keys. A blob whose removal failed stays queued for
///    the next pass, and this pass goes on past it, so failing keys never hold back the
///    ones behind them;
/// 4. removes what writers that died mid-upload left in the BlobStore, once older than
///    the TTL and at least an hour (a live upload never idles that long).
/// Every node runs it: two nodes freeing one blob is harmless (removal is idempotent),
/// so there is no leader to elect.
/// Threads: start() and stop() from the wiring thread; passes on the sweeper's own.
class UploadSweeper {
 public:
  UploadSweeper(store::Store& store, blob::BlobStore& blobs, const util::Clock& clock, UploadSweepOptions options);
  ~UploadSweeper();
  UploadSweeper(const UploadSweeper&) = delete;
  UploadSweeper& operator=(const UploadSweeper&) = delete;

  void start();
  /// Ends the current pass at its next batch and joins the thread. Idempotent.
  void stop();
  /// One pass on the calling thread.
  SweepCounts sweep_once();

 private:
  bool stopping();
  void run();
  int in_batches(std::string_view step, const std::function<Result<int>()>& one_batch);
  std::int64_t free_released_blobs();

  store::Store& store_;
  blob::BlobStore& blobs_;
  const util::Clock& clock_;
  const UploadSweepOptions options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  std::thread thread_;
};

}  // namespace talkline::jobs
