#include "config/dotenv.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace talkline::config {
namespace {

using ::testing::HasSubstr;

EnvMap parse_ok(std::string_view text) {
  auto result = parse_dotenv(text, "test.env");
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().message);
  return result.ok() ? result.value() : EnvMap{};
}

TEST(Dotenv, ReadsKeyValueLinesCommentsAndBlanks) {
  const EnvMap env = parse_ok(
      "# a comment\n"
      "\n"
      "A=1\n"
      "   B = two words  \n"
      "  # indented comment\n"
      "EMPTY=\n");
  EXPECT_EQ(env, (EnvMap{{"A", "1"}, {"B", "two words"}, {"EMPTY", ""}}));
}

TEST(Dotenv, AcceptsExportPrefix) {
  EXPECT_EQ(parse_ok("export A=1\nexport\tB=2\n"), (EnvMap{{"A", "1"}, {"B", "2"}}));
  EXPECT_EQ(parse_ok("exported=1"), (EnvMap{{"exported", "1"}}));
}

TEST(Dotenv, SingleQuotesAreLiteral) {
  EXPECT_EQ(parse_ok(R"(A='  spaced # not a comment \n $HOME ')"),
            (EnvMap{{"A", R"(  spaced # not a comment \n $HOME )"}}));
}

TEST(Dotenv, DoubleQuotesUnderstandEscapes) {
  EXPECT_EQ(parse_ok(R"(A="line\nnext \"quoted\" back\\slash \t tab # kept" # comment)"),
            (EnvMap{{"A", "line\nnext \"quoted\" back\\slash \t tab # kept"}}));
  EXPECT_EQ(parse_ok(R"(A="\q")"), (EnvMap{{"A", "\\q"}}));
}

TEST(Dotenv, BareValuesEndAtAnInlineComment) {
  EXPECT_EQ(parse_ok("A=value # comment\nB=val#ue\nC=#x\nD= # nothing\n"),
            (EnvMap{{"A", "value"}, {"B", "val#ue"}, {"C", "#x"}, {"D", ""}}));
}

TEST(Dotenv, ValueMayContainEqualsSigns) {
  EXPECT_EQ(parse_ok("URL=postgres://u:p@h/db?sslmode=require"),
            (EnvMap{{"URL", "postgres://u:p@h/db?sslmode=require"}}));
}

TEST(Dotenv, HandlesCrlfAndLastLineWithoutNewline) {
  EXPECT_EQ(parse_ok("A=1\r\nB='2'\r\nC=3"), (EnvMap{{"A", "1"}, {"B", "2"}, {"C", "3"}}));
}

TEST(Dotenv, LaterLinesWin) { EXPECT_EQ(parse_ok("A=1\nA=2\n"), (EnvMap{{"A", "2"}})); }

TEST(Dotenv, ErrorsNameTheFileAndLine) {
  const std::pair<const char*, const char*> cases[] = {
      {"A=1\nno equals sign\n", "test.env:2: expected KEY=VALUE"},
      {"A=1\n\n1BAD=x\n", "test.env:3: '1BAD' is not a valid variable name"},
      {"BAD-KEY=x", "test.env:1: 'BAD-KEY' is not a valid variable name"},
      {"=x", "test.env:1: '' is not a valid variable name"},
      {"A='open", "test.env:1: unterminated single quote"},
      {"A=\"open", "test.env:1: unterminated double quote"},
      {"A=\"x\" trailing", "test.env:1: unexpected text after closing quote"},
  };
  for (const auto& [text, message] : cases) {
    const auto result = parse_dotenv(text, "test.env");
    ASSERT_FALSE(result.ok()) << text;
    EXPECT_EQ(result.error().code, ErrorCode::invalid_argument);
    EXPECT_THAT(result.error().message, HasSubstr(message));
  }
}

TEST(Dotenv, MissingFileIsAnError) {
  const auto result = read_dotenv_file("/nonexistent/talkline/.env");
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.error().message, HasSubstr("/nonexistent/talkline/.env"));
}

}  // namespace
}  // namespace talkline::config
