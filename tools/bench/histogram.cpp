#include "histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace talkline::bench {

int Histogram::bucket_of(std::uint64_t value) {
  if (value < kMinorCount) return static_cast<int>(value);
  // value lies in [2^k, 2^(k+1)), k >= kMinorBits; its top kMinorBits+1 bits pick the bucket.
  const int k = std::bit_width(value) - 1;
  const int major = k - kMinorBits + 1;
  const auto minor = static_cast<int>((value >> (k - kMinorBits)) & (kMinorCount - 1));
  return major * kMinorCount + minor;
}

std::uint64_t Histogram::bucket_upper(int bucket) {
  if (bucket < kMinorCount) return static_cast<std::uint64_t>(bucket);
  const int major = bucket / kMinorCount;
  const int minor = bucket % kMinorCount;
  const int k = major + kMinorBits - 1;
  const int shift = k - kMinorBits;
  const std::uint64_t lower = (static_cast<std::uint64_t>(kMinorCount + minor)) << shift;
  return lower + ((std::uint64_t{1} << shift) - 1);
}

void Histogram::record(std::uint64_t value) {
  ++counts_[static_cast<std::size_t>(bucket_of(value))];
  ++count_;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  sum_ += static_cast<long double>(value);
}

void Histogram::merge(const Histogram& other) {
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

double Histogram::mean() const { return count_ == 0 ? 0.0 : static_cast<double>(sum_ / count_); }

std::uint64_t Histogram::percentile(double p) const {
  if (count_ == 0) return 0;
  p = std::clamp(p, 0.0, 100.0);
  auto rank = static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_)));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(bucket_upper(static_cast<int>(i)), max_);
  }
  return max_;
}

}  // namespace talkline::bench
