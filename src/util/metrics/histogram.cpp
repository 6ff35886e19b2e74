#include "util/metrics/histogram.hpp"

#include <algorithm>
#include <cassert>

namespace talkline::util::metrics {

Histogram::Histogram(std::span<const std::uint64_t> bounds) {
  assert(bounds.size() <= kMaxBuckets && std::is_sorted(bounds.begin(), bounds.end()));
  size_ = std::min(bounds.size(), kMaxBuckets);
  std::copy_n(bounds.begin(), size_, bounds_.begin());
}

void Histogram::observe(std::uint64_t value) {
  const auto end = bounds_.begin() + static_cast<std::ptrdiff_t>(size_);
  const auto bucket = static_cast<std::size_t>(std::lower_bound(bounds_.begin(), end, value) - bounds_.begin());
  auto& slot = slots_[thread_slot()];
  slot.counts[bucket].fetch_add(1, std::memory_order_relaxed);
  slot.sum.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot snapshot;
  snapshot.bounds.assign(bounds_.begin(), bounds_.begin() + static_cast<std::ptrdiff_t>(size_));
  snapshot.counts.assign(size_ + 1, 0);
  for (const auto& slot : slots_) {
    for (std::size_t i = 0; i <= size_; ++i) snapshot.counts[i] += slot.counts[i].load(std::memory_order_relaxed);
    snapshot.sum += slot.sum.load(std::memory_order_relaxed);
  }
  for (auto count : snapshot.counts) snapshot.count += count;
  return snapshot;
}

}  // namespace talkline::util::metrics
