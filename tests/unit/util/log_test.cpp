#include "util/log.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "util/json.hpp"

namespace talkline::util::log {
namespace {

constexpr std::int64_t kTs = 1'795'796'383'123;

// Restores the process-wide logger to its defaults after each test.
class Log : public ::testing::Test {
 protected:
  void TearDown() override { init(Level::info, Format::json); }
};

TEST_F(Log, JsonLineHasTimestampLevelEventAndFields) {
  const std::string line =
      format_record(Format::json, Level::warn, kTs, "user.login",
                    {{"user", std::string_view("alice")}, {"count", std::int64_t{3}}, {"ok", true}, {"ratio", 0.5}});
  const Json parsed = Json::parse(line);
  EXPECT_EQ(parsed["ts"], "2026-11-27T16:19:43.123Z");
  EXPECT_EQ(parsed["level"], "warn");
  EXPECT_EQ(parsed["event"], "user.login");
  EXPECT_EQ(parsed["user"], "alice");
  EXPECT_EQ(parsed["count"], 3);
  EXPECT_EQ(parsed["ok"], true);
  EXPECT_EQ(parsed["ratio"], 0.5);
  EXPECT_EQ(line.rfind(R"({"ts":"2026-11-27T16:19:43.123Z","level":"warn","event":"user.login",)", 0), 0U);
}

TEST_F(Log, JsonEscapesEverythingThatNeedsIt) {
  const std::string nasty = "quote\" backslash\\ newline\n cr\r tab\t bell\a nul" + std::string(1, '\0') + " end";
  const std::string line =
      format_record(Format::json, Level::info, kTs, "ev\"ent", {{"k\"ey", std::string_view(nasty)}});
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const Json parsed = Json::parse(line);
  EXPECT_EQ(parsed["event"], "ev\"ent");
  EXPECT_EQ(parsed["k\"ey"], nasty);
}

TEST_F(Log, JsonStaysValidWithInvalidUtf8AndNonFiniteNumbers) {
  const std::string line = format_record(Format::json, Level::error, kTs, "bad",
                                         {{"bytes", std::string_view("a\xff\xfe")},
                                          {"nan", std::numeric_limits<double>::quiet_NaN()},
                                          {"inf", std::numeric_limits<double>::infinity()}});
  const Json parsed = Json::parse(line);
  EXPECT_EQ(parsed["bytes"], "a\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_TRUE(parsed["nan"].is_null());
  EXPECT_TRUE(parsed["inf"].is_null());
}

TEST_F(Log, LogfmtQuotesOnlyWhenNeeded) {
  const std::string line = format_record(Format::logfmt, Level::info, kTs, "request.done",
                                         {{"path", std::string_view("/api/v1/users")},
                                          {"ua", std::string_view("curl 8.0")},
                                          {"q", std::string_view("a=b")},
                                          {"say", std::string_view("he said \"hi\"")},
                                          {"empty", std::string_view("")},
                                          {"multi", std::string_view("a\nb")},
                                          {"status", std::int64_t{200}},
                                          {"cached", false}});
  EXPECT_EQ(line,
            "ts=2026-11-27T16:19:43.123Z level=info event=request.done path=/api/v1/users ua=\"curl 8.0\" "
            "q=\"a=b\" say=\"he said \\\"hi\\\"\" empty=\"\" multi=\"a\\nb\" status=200 cached=false");
}

TEST_F(Log, LogfmtKeysCannotSplitThePair) {
  const std::string line = format_record(Format::logfmt, Level::debug, kTs, "e v", {{"a b=c", std::int64_t{1}}});
  EXPECT_EQ(line, "ts=2026-11-27T16:19:43.123Z level=debug event=\"e v\" a_b_c=1");
}

TEST_F(Log, ParsesLevelAndFormatNames) {
  Level level = Level::info;
  EXPECT_TRUE(parse_level("debug", level));
  EXPECT_EQ(level, Level::debug);
  EXPECT_TRUE(parse_level("off", level));
  EXPECT_EQ(level, Level::off);
  EXPECT_FALSE(parse_level("verbose", level));
  EXPECT_EQ(level, Level::off);
  Format format = Format::json;
  EXPECT_TRUE(parse_format("logfmt", format));
  EXPECT_EQ(format, Format::logfmt);
  EXPECT_FALSE(parse_format("xml", format));
}

TEST_F(Log, LevelFiltersLines) {
  init(Level::warn, Format::json);
  EXPECT_FALSE(enabled(Level::info));
  EXPECT_TRUE(enabled(Level::warn));
  EXPECT_TRUE(enabled(Level::critical));
  init(Level::off, Format::json);
  EXPECT_FALSE(enabled(Level::critical));
  init(Level::trace, Format::json);
  EXPECT_TRUE(enabled(Level::trace));
  EXPECT_FALSE(enabled(Level::off));
}

TEST_F(Log, WritesOneLineToStderr) {
  init(Level::info, Format::json, false);
  ::testing::internal::CaptureStderr();
  info("hello", {{"n", std::int64_t{1}}});
  debug("hidden");
  const std::string out = ::testing::internal::GetCapturedStderr();
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.back(), '\n');
  EXPECT_EQ(out.find('\n'), out.size() - 1);
  const Json parsed = Json::parse(out);
  EXPECT_EQ(parsed["event"], "hello");
  EXPECT_EQ(parsed["n"], 1);
}

TEST_F(Log, SwitchesFormatOnReinit) {
  init(Level::info, Format::logfmt, false);
  ::testing::internal::CaptureStderr();
  warn("switched");
  const std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(out.find("level=warn event=switched"), std::string::npos) << out;
}

}  // namespace
}  // namespace talkline::util::log
