#include "util/utf8.hpp"

#include <gtest/gtest.h>

#include <string>

namespace talkline::util {
namespace {

TEST(Utf8, AcceptsWellFormedText) {
  EXPECT_TRUE(utf8_valid(""));
  EXPECT_TRUE(utf8_valid("plain ascii"));
  EXPECT_TRUE(utf8_valid("caf\xC3\xA9"));                // U+00E9
  EXPECT_TRUE(utf8_valid("\xE2\x82\xAC"));               // U+20AC
  EXPECT_TRUE(utf8_valid("\xED\x9F\xBF"));               // U+D7FF, just below the surrogates
  EXPECT_TRUE(utf8_valid("\xEE\x80\x80"));               // U+E000, just above them
  EXPECT_TRUE(utf8_valid("\xF0\x9F\x98\x80"));           // U+1F600
  EXPECT_TRUE(utf8_valid("\xF4\x8F\xBF\xBF"));           // U+10FFFF, the last code point
  EXPECT_TRUE(utf8_valid(std::string_view("a\0b", 3)));  // NUL is valid UTF-8
}

TEST(Utf8, RejectsOverlongForms) {
  EXPECT_FALSE(utf8_valid("\xC0\xAF"));  // '/' in two bytes
  EXPECT_FALSE(utf8_valid("\xC1\xBF"));
  EXPECT_FALSE(utf8_valid("\xE0\x80\xAF"));  // '/' in three bytes
  EXPECT_FALSE(utf8_valid("\xE0\x9F\xBF"));
  EXPECT_FALSE(utf8_valid("\xF0\x80\x80\xAF"));  // '/' in four bytes
  EXPECT_FALSE(utf8_valid("\xF0\x8F\xBF\xBF"));
}

TEST(Utf8, RejectsSurrogates) {
  EXPECT_FALSE(utf8_valid("\xED\xA0\x80"));              // U+D800
  EXPECT_FALSE(utf8_valid("\xED\xBF\xBF"));              // U+DFFF
  EXPECT_FALSE(utf8_valid("\xED\xA0\xBD\xED\xB8\x80"));  // a CESU-8 style pair
}

TEST(Utf8, RejectsCodePointsPastTheLast) {
  EXPECT_FALSE(utf8_valid("\xF4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(utf8_valid("\xF5\x80\x80\x80"));
  EXPECT_FALSE(utf8_valid("\xF8\x88\x80\x80\x80"));
  EXPECT_FALSE(utf8_valid("\xFF"));
  EXPECT_FALSE(utf8_valid("\xFE"));
}

TEST(Utf8, RejectsTruncatedAndStraySequences) {
  EXPECT_FALSE(utf8_valid("\xC3"));
  EXPECT_FALSE(utf8_valid("\xE2\x82"));
  EXPECT_FALSE(utf8_valid("\xF0\x9F\x98"));
  EXPECT_FALSE(utf8_valid("abc\xF0\x9F"));
  EXPECT_FALSE(utf8_valid("\x80"));       // continuation without a lead
  EXPECT_FALSE(utf8_valid("\xC3(\xA9"));  // lead interrupted by ASCII
  EXPECT_FALSE(utf8_valid("\xE2\x28\xA1"));
  EXPECT_FALSE(utf8_valid("\xF0\x9F\x98\x28"));
}

TEST(Utf8, CountsCodePoints) {
  EXPECT_EQ(utf8_length(""), 0U);
  EXPECT_EQ(utf8_length("abc"), 3U);
  EXPECT_EQ(utf8_length("caf\xC3\xA9"), 4U);
  EXPECT_EQ(utf8_length("\xF0\x9F\x98\x80\xE2\x82\xAC"), 2U);
}

TEST(Utf8, FindsC0ControlsExceptNewlineAndTab) {
  EXPECT_FALSE(has_control_characters("hello world"));
  EXPECT_FALSE(has_control_characters("line one\nline two\tend"));
  EXPECT_TRUE(has_control_characters("line one\nline two\tend", false));
  EXPECT_TRUE(has_control_characters("carriage\rreturn"));
  EXPECT_TRUE(has_control_characters(std::string_view("nul\0", 4)));
  EXPECT_TRUE(has_control_characters("bell\a"));
  EXPECT_TRUE(has_control_characters("escape\x1b[31m"));
  EXPECT_TRUE(has_control_characters("\x1f"));
}

TEST(Utf8, FindsDeleteAndC1Controls) {
  EXPECT_TRUE(has_control_characters("del\x7f"));
  EXPECT_TRUE(has_control_characters("\xC2\x80"));     // U+0080
  EXPECT_TRUE(has_control_characters("csi\xC2\x9B"));  // U+009B
  EXPECT_TRUE(has_control_characters("\xC2\x9F"));     // U+009F
  EXPECT_FALSE(has_control_characters("\xC2\xA0"));    // U+00A0, no-break space
  EXPECT_FALSE(has_control_characters("caf\xC3\xA9 \xF0\x9F\x98\x80"));
}

}  // namespace
}  // namespace talkline::util
