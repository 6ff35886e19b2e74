#include "util/time.hpp"

#include <gtest/gtest.h>

namespace talkline::util {
namespace {

TEST(Time, FormatsRfc3339WithMillisecondsInUtc) {
  EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339(1'704'067'200'000), "2024-01-01T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339(1'795'796'383'123), "2026-11-27T16:19:43.123Z");
  EXPECT_EQ(format_rfc3339(1'795'796'383'007), "2026-11-27T16:19:43.007Z");
}

TEST(Time, HandlesLeapDaysAndYearEnds) {
  EXPECT_EQ(format_rfc3339(951'868'799'999), "2000-02-29T23:59:59.999Z");
  EXPECT_EQ(format_rfc3339(253'402'300'799'999), "9999-12-31T23:59:59.999Z");
}

TEST(Time, FloorsTimesBeforeTheEpoch) {
  EXPECT_EQ(format_rfc3339(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_rfc3339(-1000), "1969-12-31T23:59:59.000Z");
}

}  // namespace
}  // namespace talkline::util
