#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "ratelimit/rate_limiter.hpp"
#include "util/clock.hpp"

namespace talkline::ratelimit {

/// In-process buckets. Buckets that have refilled completely are dropped now and then,
/// so memory stays bounded by the number of recently active keys.
class LocalRateLimiter final : public RateLimiter {
 public:
  explicit LocalRateLimiter(const util::Clock& clock);
  Decision acquire(std::string_view key, const Limit& limit, double cost = 1) override;
  Decision peek(std::string_view key, const Limit& limit, double cost = 1) override;
  void refund(std::string_view key, const Limit& limit, double cost = 1) override;

  /// Buckets currently held (for tests and metrics). A peek never creates one.
  std::size_t bucket_count();

 private:
  struct Bucket {
    double tokens = 0;
    std::int64_t updated_ms = 0;
    // The limit last applied, so a sweep can tell whether this bucket is full even
    // when different keys use different limits.
    double capacity = 0;
    double refill_per_second = 0;
  };
  Decision take(std::string_view key, const Limit& limit, double cost, bool consume);
  void sweep_locked(std::int64_t now_ms);

  const util::Clock& clock_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
  std::int64_t last_sweep_ms_ = 0;
};

}  // namespace talkline::ratelimit
