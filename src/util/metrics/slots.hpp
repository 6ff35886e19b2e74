#pragma once
// Where a thread counts. Every metric keeps one cache line per slot and each thread
// writes only its own slot, so counting on the per-message path costs an uncontended
// relaxed add on a line no other thread touches; a scrape sums the slots.

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace talkline::util::metrics {

/// Slots per metric. Threads past this many share slots: still exact (the adds are
/// atomic), only no longer free of contention.
inline constexpr std::size_t kSlots = 64;

/// The calling thread's slot, fixed for its life. Threads take slots in the order they
/// first count, so the event loops, started first, get slots of their own.
std::size_t thread_slot();

/// Monotonic nanoseconds, for latencies measured across threads.
inline std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

/// Nanoseconds since `start` (a now_ns() value); 0 if the clock read earlier.
inline std::uint64_t since_ns(std::uint64_t start) {
  const auto now = now_ns();
  return now > start ? now - start : 0;
}

}  // namespace talkline::util::metrics
