#include "util/time.hpp"

#include <chrono>

#include <fmt/format.h>

namespace talkline::util {

std::string format_rfc3339(std::int64_t unix_ms) {
  using namespace std::chrono;
  // Floor rather than truncate, so times before 1970 keep a millisecond part in [0, 999].
  const sys_time<milliseconds> point{milliseconds{unix_ms}};
  const auto day = floor<days>(point);
  const year_month_day date{day};
  const hh_mm_ss<milliseconds> clock_time{point - day};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()), clock_time.hours().count(),
                     clock_time.minutes().count(), clock_time.seconds().count(), clock_time.subseconds().count());
}

}  // namespace talkline::util
