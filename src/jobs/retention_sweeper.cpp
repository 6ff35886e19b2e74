#include "jobs/retention_sweeper.hpp"

#include <algorithm>

#include <pthread.h>

#include "util/log.hpp"

namespace talkline::jobs {

namespace {

// The first sweep waits this long after start, so it does not compete with the
// reconnecting clients of a restart.
constexpr std::chrono::seconds kFirstSweepDelay{1};

}  // namespace

RetentionSweeper::RetentionSweeper(services::RetentionService& service, std::chrono::seconds interval)
    : service_(service), interval_(interval) {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "tl-retention");
    run();
  });
}

RetentionSweeper::~RetentionSweeper() { stop(); }

void RetentionSweeper::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cancelled_.store(true, std::memory_order_relaxed);
  wake_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void RetentionSweeper::run() {
  auto wait = std::chrono::duration_cast<std::chrono::seconds>(std::min(kFirstSweepDelay, interval_));
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      if (wake_.wait_for(lock, wait, [this] { return stopping_; })) return;
    }
    wait = interval_;
    const auto started = std::chrono::steady_clock::now();
    Result<services::SweepReport> report = service_.sweep_once(&cancelled_);
    const auto took =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    if (!report.ok()) {
      util::log::warn("retention.sweep_failed",
                      {{"error", std::string_view(report.error().message)}, {"ms", std::int64_t{took}}});
      continue;
    }
    const util::log::Level level = report->expired > 0 ? util::log::Level::info : util::log::Level::debug;
    util::log::write(level, "retention.swept",
                     {{"expired", report->expired},
                      {"conversations", report->conversations},
                      {"batches", report->batches},
                      {"ms", std::int64_t{took}}});
  }
}

}  // namespace talkline::jobs
