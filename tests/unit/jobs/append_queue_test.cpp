#include "jobs/append_queue.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

namespace talkline::jobs {
namespace {

using namespace std::chrono_literals;

AppendQueue::Options fast(std::size_t max_queued = 1000, std::size_t max_batch = 256) {
  AppendQueue::Options options;
  options.max_queued = max_queued;
  options.max_batch = max_batch;
  options.retry_pause = 1ms;
  return options;
}

Event numbered(int n) { return {"", "test.event", std::to_string(n)}; }

// Records what the sink wrote; fails the first `failures` calls outright and then
// writes at most `per_call` events a call.
struct RecordingSink {
  std::mutex mutex;
  std::vector<std::string> written;
  int failures = 0;
  std::size_t per_call = 1000;
  std::atomic<int> calls{0};

  AppendQueue::Sink sink() {
    return [this](const std::vector<Event>& batch) -> std::size_t {
      ++calls;
      std::lock_guard lock(mutex);
      if (failures > 0) {
        --failures;
        return 0;
      }
      const std::size_t n = std::min(per_call, batch.size());
      for (std::size_t i = 0; i < n; ++i) written.push_back(batch[i].payload_json);
      return n;
    };
  }
};

std::vector<std::string> expected(int count) {
  std::vector<std::string> out;
  for (int n = 0; n < count; ++n) out.push_back(std::to_string(n));
  return out;
}

TEST(AppendQueue, RetriesAfterFailuresAndWritesEachEventOnceInOrder) {
  RecordingSink recorder;
  recorder.failures = 3;
  AppendQueue queue(fast(), recorder.sink());
  for (int n = 0; n < 50; ++n) ASSERT_TRUE(queue.push(numbered(n)));
  ASSERT_TRUE(queue.flush(5s));
  std::lock_guard lock(recorder.mutex);
  EXPECT_EQ(recorder.written, expected(50));
  EXPECT_GE(recorder.calls.load(), 4);
  EXPECT_EQ(queue.stats().written, 50U);
}

TEST(AppendQueue, PartialWritesKeepTheRestInOrder) {
  RecordingSink recorder;
  recorder.per_call = 3;
  AppendQueue queue(fast(1000, 10), recorder.sink());
  for (int n = 0; n < 40; ++n) ASSERT_TRUE(queue.push(numbered(n)));
  ASSERT_TRUE(queue.flush(5s));
  std::lock_guard lock(recorder.mutex);
  EXPECT_EQ(recorder.written, expected(40));
}

TEST(AppendQueue, StopGivesQueuedEventsTheirGraceThenDropsAndCountsTheRest) {
  RecordingSink recorder;
  AppendQueue queue(fast(), recorder.sink());
  queue.hold(true);
  for (int n = 0; n < 7; ++n) ASSERT_TRUE(queue.push(numbered(n)));
  queue.stop(20ms);
  EXPECT_FALSE(queue.push(numbered(99))) << "a stopped queue takes nothing";
  const auto stats = queue.stats();
  EXPECT_EQ(stats.appended, 7U);
  EXPECT_EQ(stats.written, 0U);
  EXPECT_EQ(stats.dropped, 8U);
  EXPECT_EQ(stats.queued, 0U);
}

TEST(AppendQueue, StopWritesWhatIsQueuedWhenTheSinkWorks) {
  RecordingSink recorder;
  {
    AppendQueue queue(fast(), recorder.sink());
    for (int n = 0; n < 100; ++n) ASSERT_TRUE(queue.push(numbered(n)));
  }
  std::lock_guard lock(recorder.mutex);
  EXPECT_EQ(recorder.written, expected(100));
}

}  // namespace
}  // namespace talkline::jobs
