#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <span>
#include <vector>

#include "util/metrics/slots.hpp"

namespace talkline::util::metrics {

/// A Prometheus-style histogram of integer observations (nanoseconds, or a count),
/// kept per thread (slots.hpp) and summed when read. An observation is a search over
/// at most kMaxBuckets bounds and two relaxed adds on the thread's own cache lines.
/// Any thread.
class Histogram {
 public:
  static constexpr std::size_t kMaxBuckets = 16;

  /// `bounds`: the buckets' inclusive upper bounds, ascending, at most kMaxBuckets; an
  /// implicit +Inf bucket follows.
  explicit Histogram(std::span<const std::uint64_t> bounds);

  void observe(std::uint64_t value);

  struct Snapshot {
    std::vector<std::uint64_t> bounds;
    /// Per bucket (not cumulative), the +Inf bucket last: bounds.size() + 1 entries.
    std::vector<std::uint64_t> counts;
    std::uint64_t sum = 0;
    std::uint64_t count = 0;
  };
  /// The sums over every thread; each slot is read at a moment, so a snapshot taken
  /// while others observe may be off by the observations in flight.
  Snapshot snapshot() const;

 private:
  struct alignas(64) Slot {
    std::array<std::atomic<std::uint64_t>, kMaxBuckets + 1> counts{};
    std::atomic<std::uint64_t> sum{0};
  };
  std::array<std::uint64_t, kMaxBuckets> bounds_{};
  std::size_t size_ = 0;
  std::array<Slot, kSlots> slots_{};
};

/// Bucket bounds in nanoseconds for latencies, 100 µs to 2.5 s.
inline constexpr std::array<std::uint64_t, 14> kLatencyBucketsNs = {
    100'000,    250'000,    500'000,     1'000'000,   2'500'000,   5'000'000,     10'000'000,
    25'000'000, 50'000'000, 100'000'000, 250'000'000, 500'000'000, 1'000'000'000, 2'500'000'000};
/// Bucket bounds for batch sizes, 1 to 1024.
inline constexpr std::array<std::uint64_t, 11> kBatchBuckets = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};

}  // namespace talkline::util::metrics
