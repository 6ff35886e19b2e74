#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "util/metrics/slots.hpp"

namespace talkline::util::metrics {

/// A number kept per thread (slots.hpp) and summed when read, so adding never contends
/// with another thread. Any thread.
template <typename Value>
class PerThreadSum {
 public:
  void add(Value n = 1) { slots_[thread_slot()].value.fetch_add(n, std::memory_order_relaxed); }
  /// The sum over every thread; a moment's snapshot, for a scrape.
  Value value() const {
    Value sum = 0;
    for (const auto& slot : slots_) sum += slot.value.load(std::memory_order_relaxed);
    return sum;
  }

 private:
  struct alignas(64) Slot {
    std::atomic<Value> value{0};
  };
  std::array<Slot, kSlots> slots_{};
};

/// A monotonic count.
using Counter = PerThreadSum<std::uint64_t>;
/// A level that goes up and down (open sessions): each thread adds its own changes to
/// its slot, and the sum is the level; a thread may take back what another added (a
/// session opened on one loop and closed on another).
using UpDown = PerThreadSum<std::int64_t>;

/// A level set by the one thread that knows it (a writer's queue length, a link's
/// state) and read by a scrape.
class Level {
 public:
  void set(std::int64_t value) { value_.store(value, std::memory_order_relaxed); }
  std::int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> value_{0};
};

}  // namespace talkline::util::metrics
