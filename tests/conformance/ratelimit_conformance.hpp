#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "ratelimit/rate_limiter.hpp"
#include "util/clock.hpp"

// The RateLimiter conformance suite: every backend of ratelimit::RateLimiter must pass
// the same cases. A backend's test file only instantiates it:
//
//   TALKLINE_INSTANTIATE_RATELIMIT_CONFORMANCE(Local,
//       talkline::conformance::RateLimiterFactory{"local", [](const util::Clock& clock) {
//         return std::make_unique<LocalRateLimiter>(clock); }});
//
// Each test makes one limiter whose buckets no other limiter shares (a networked
// backend picks a fresh key prefix per call) and which reads "now" from the manual
// clock it is given, so refill is tested by moving that clock, not by sleeping.

namespace talkline::conformance {

struct RateLimiterFactory {
  std::string name;
  std::function<std::unique_ptr<ratelimit::RateLimiter>(const util::Clock&)> make;
};

/// Lets gtest print a factory as its name in failure messages.
void PrintTo(const RateLimiterFactory& factory, std::ostream* out);

/// Names the instantiated tests after the factory (gtest's name generator).
std::string ratelimit_factory_name(const testing::TestParamInfo<RateLimiterFactory>& info);

class RateLimiterConformance : public testing::TestWithParam<RateLimiterFactory> {
 protected:
  static constexpr std::int64_t kStart = 1'795'796'383'000;

  void SetUp() override;
  ratelimit::RateLimiter& limiter() { return *limiter_; }

  util::ManualClock clock_{kStart};  // declared first: outlives the limiter

 private:
  std::unique_ptr<ratelimit::RateLimiter> limiter_;
};

}  // namespace talkline::conformance

/// Instantiates the suite for the given RateLimiterFactory values. Use at namespace
/// scope; the suite name must be a plain identifier for gtest, hence the
/// using-declaration.
#define TALKLINE_INSTANTIATE_RATELIMIT_CONFORMANCE(prefix, ...)                            \
  using ::talkline::conformance::RateLimiterConformance;                                   \
  INSTANTIATE_TEST_SUITE_P(prefix, RateLimiterConformance, ::testing::Values(__VA_ARGS__), \
                           ::talkline::conformance::ratelimit_factory_name)
