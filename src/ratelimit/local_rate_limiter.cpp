#include "ratelimit/local_rate_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace talkline::ratelimit {
namespace {

constexpr std::int64_t kSweepIntervalMs = 60'000;
constexpr double kTolerance = 1e-9;

double refilled(double tokens, std::int64_t elapsed_ms, double capacity, double refill_per_second) {
  if (elapsed_ms <= 0 || refill_per_second <= 0) return std::min(tokens, capacity);
  return std::min(capacity, tokens + static_cast<double>(elapsed_ms) / 1000.0 * refill_per_second);
}

// Whole seconds until `missing` tokens have been regained; at least 1, since a
// refused caller told "0" would retry at once. A bucket that can never hold `cost`
// (no refill, or cost above capacity) answers with the largest value.
int retry_after(double missing, double cost, const Limit& limit) {
  constexpr double kMax = std::numeric_limits<int>::max();
  if (limit.refill_per_second <= 0 || cost > limit.capacity) return std::numeric_limits<int>::max();
  const double seconds = std::ceil(missing / limit.refill_per_second);
  if (!(seconds < kMax)) return std::numeric_limits<int>::max();
  return std::max(1, static_cast<int>(seconds));
}

}  // namespace

LocalRateLimiter::LocalRateLimiter(const util::Clock& clock) : clock_(clock), last_sweep_ms_(clock.now_ms()) {}

Decision LocalRateLimiter::acquire(std::string_view key, const Limit& limit, double cost) {
  return take(key, limit, cost, true);
}

Decision LocalRateLimiter::peek(std::string_view key, const Limit& limit, double cost) {
  return take(key, limit, cost, false);
}

Decision LocalRateLimiter::take(std::string_view key, const Limit& limit, double cost, bool consume) {
  const std::int64_t now = clock_.now_ms();
  const std::lock_guard lock(mutex_);
  sweep_locked(now);

  // A key never seen, or swept after going idle, starts full.
  Bucket fresh{limit.capacity, now, limit.capacity, limit.refill_per_second};
  Bucket* bucket = &fresh;
  if (const auto it = buckets_.find(std::string(key)); it != buckets_.end()) {
    bucket = &it->second;
  } else if (consume) {
    bucket = &buckets_.emplace(std::string(key), fresh).first->second;
  }

  // Time that runs backwards is ignored rather than allowed to hand out tokens twice.
  const double tokens = refilled(bucket->tokens, now - bucket->updated_ms, limit.capacity, limit.refill_per_second);
  // The tolerance absorbs rounding in the refill arithmetic, so a bucket that is
  // exactly due a token is not refused for want of 1e-16 of one.
  if (tokens + kTolerance >= cost) {
    if (consume) {
      bucket->tokens = std::max(0.0, tokens - std::max(cost, 0.0));
      bucket->updated_ms = std::max(bucket->updated_ms, now);
      bucket->capacity = limit.capacity;
      bucket->refill_per_second = limit.refill_per_second;
    }
    return {true, 0};
  }
  return {false, retry_after(cost - tokens, cost, limit)};
}

void LocalRateLimiter::refund(std::string_view key, const Limit& limit, double cost) {
  const std::int64_t now = clock_.now_ms();
  const std::lock_guard lock(mutex_);
  const auto it = buckets_.find(std::string(key));
  if (it == buckets_.end()) return;  // swept: it is full already
  auto& bucket = it->second;
  const double tokens = refilled(bucket.tokens, now - bucket.updated_ms, limit.capacity, limit.refill_per_second);
  bucket.tokens = std::min(limit.capacity, tokens + std::max(cost, 0.0));
  bucket.updated_ms = std::max(bucket.updated_ms, now);
}

std::size_t LocalRateLimiter::bucket_count() {
  const std::lock_guard lock(mutex_);
  return buckets_.size();
}

// Drops buckets that would be full by now: forgetting them changes nothing, since a
// missing key starts full. Runs at most once a minute so the scan stays cheap.
void LocalRateLimiter::sweep_locked(std::int64_t now_ms) {
  if (now_ms - last_sweep_ms_ < kSweepIntervalMs) return;
  last_sweep_ms_ = now_ms;
  std::erase_if(buckets_, [now_ms](const auto& entry) {
    const Bucket& b = entry.second;
    return refilled(b.tokens, now_ms - b.updated_ms, b.capacity, b.refill_per_second) >= b.capacity;
  });
}

}  // namespace talkline::ratelimit
