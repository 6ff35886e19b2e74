#pragma once

#include <array>
#include <cstdint>

namespace talkline::bench {

/// A log-linear histogram of non-negative integers (the bench records microseconds).
///
/// Values below 16 have a bucket each; above, every power-of-two range [2^k, 2^(k+1))
/// is cut into 16 equal buckets, so a reported percentile is at most 1/16 (6.25%) above
/// the true value. Count, min, max and sum are exact. Recording is O(1) and allocates
/// nothing; one histogram is not thread-safe (keep one per thread and merge).
class Histogram {
 public:
  static constexpr int kMinorBits = 4;
  static constexpr int kMinorCount = 1 << kMinorBits;
  /// Enough majors for any uint64 value.
  static constexpr int kBucketCount = (64 - kMinorBits + 1) * kMinorCount;

  void record(std::uint64_t value);
  void merge(const Histogram& other);

  std::uint64_t count() const { return count_; }
  std::uint64_t min() const { return count_ == 0 ? 0 : min_; }
  std::uint64_t max() const { return max_; }
  double mean() const;

  /// The value at percentile p (0–100): the highest value of the bucket holding the
  /// ceil(p% · count)-th smallest recorded value, never above max(). 0 when empty.
  std::uint64_t percentile(double p) const;

  /// The bucket a value falls in, and the highest value that bucket holds.
  static int bucket_of(std::uint64_t value);
  static std::uint64_t bucket_upper(int bucket);

 private:
  std::array<std::uint64_t, kBucketCount> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t min_ = UINT64_MAX;
  std::uint64_t max_ = 0;
  long double sum_ = 0;
};

}  // namespace talkline::bench
