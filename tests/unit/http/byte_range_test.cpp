#include "transport/http/byte_range.hpp"

#include <gtest/gtest.h>

namespace talkline::transport::http {
namespace {

using Outcome = RangeDecision::Outcome;

void expect_partial(std::string_view header, std::uint64_t size, std::uint64_t offset, std::uint64_t length) {
  auto decision = evaluate_range(header, size);
  ASSERT_EQ(decision.outcome, Outcome::partial) << header;
  EXPECT_EQ(decision.range.offset, offset) << header;
  EXPECT_EQ(decision.range.length, length) << header;
}

TEST(ByteRange, ClosedRangeIsServedAsGiven) { expect_partial("bytes=0-99", 1000, 0, 100); }

TEST(ByteRange, LastPositionPastTheEndIsCutToTheEnd) { expect_partial("bytes=900-5000", 1000, 900, 100); }

TEST(ByteRange, OpenRangeRunsToTheEnd) { expect_partial("bytes=10-", 1000, 10, 990); }

TEST(ByteRange, SuffixRangeTakesTheLastBytes) {
  expect_partial("bytes=-100", 1000, 900, 100);
  expect_partial("bytes=-5000", 1000, 0, 1000);
}

TEST(ByteRange, UnitIsCaseInsensitiveAndBlanksAreAllowed) { expect_partial("Bytes = 1-2 ", 10, 1, 2); }

TEST(ByteRange, SingleByteAtTheEnd) { expect_partial("bytes=999-999", 1000, 999, 1); }

TEST(ByteRange, FirstPositionAtOrPastTheEndIsUnsatisfiable) {
  EXPECT_EQ(evaluate_range("bytes=1000-", 1000).outcome, Outcome::unsatisfiable);
  EXPECT_EQ(evaluate_range("bytes=5000-6000", 1000).outcome, Outcome::unsatisfiable);
  EXPECT_EQ(evaluate_range("bytes=99999999999999999999999-", 1000).outcome, Outcome::unsatisfiable);
}

TEST(ByteRange, EmptySuffixAndEmptyRepresentationAreUnsatisfiable) {
  EXPECT_EQ(evaluate_range("bytes=-0", 1000).outcome, Outcome::unsatisfiable);
  EXPECT_EQ(evaluate_range("bytes=-10", 0).outcome, Outcome::unsatisfiable);
  EXPECT_EQ(evaluate_range("bytes=0-", 0).outcome, Outcome::unsatisfiable);
}

TEST(ByteRange, MalformedValuesAreIgnored) {
  for (std::string_view header : {"", "bytes", "bytes=", "bytes=-", "bytes=a-b", "bytes=5-1", "items=0-1", "bytes=0-1x",
                                  "bytes 0-1", "bytes=--1", "bytes=1-2-3", "bytes=+1-2"}) {
    EXPECT_EQ(evaluate_range(header, 1000).outcome, Outcome::whole) << header;
  }
}

TEST(ByteRange, SeveralRangesAreIgnored) {
  EXPECT_EQ(evaluate_range("bytes=0-1,5-6", 1000).outcome, Outcome::whole);
  EXPECT_EQ(evaluate_range("bytes=0-1,", 1000).outcome, Outcome::whole);
}

TEST(ByteRange, HugeLastPositionSaturates) { expect_partial("bytes=0-999999999999999999999999", 10, 0, 10); }

TEST(ByteRange, ContentRangeValues) {
  EXPECT_EQ(content_range_value({10, 5}, 100), "bytes 10-14/100");
  EXPECT_EQ(unsatisfied_range_value(100), "bytes */100");
}

}  // namespace
}  // namespace talkline::transport::http
