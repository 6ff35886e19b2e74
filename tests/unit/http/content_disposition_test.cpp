#include "transport/http/content_disposition.hpp"

#include <gtest/gtest.h>

#include <string>

namespace talkline::transport::http {
namespace {

TEST(ContentDisposition, PlainAsciiNameAppearsInBothForms) {
  EXPECT_EQ(attachment_disposition("report.pdf"), "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf");
}

TEST(ContentDisposition, NonAsciiIsPercentEncodedWithAnAsciiFallback) {
  EXPECT_EQ(attachment_disposition("grüße 1.txt"),
            "attachment; filename=\"gr__e 1.txt\"; filename*=UTF-8''gr%C3%BC%C3%9Fe%201.txt");
}

TEST(ContentDisposition, PathComponentsAreStripped) {
  EXPECT_EQ(safe_file_name("../../etc/passwd"), "passwd");
  EXPECT_EQ(safe_file_name("C:\\Users\\me\\photo.png"), "photo.png");
  EXPECT_EQ(safe_file_name("dir/"), kFallbackFileName);
}

TEST(ContentDisposition, QuotesControlsAndBidiOverridesAreDropped) {
  EXPECT_EQ(safe_file_name("a\"b\r\nc\x01\x7f"
                           "d.txt"),
            "abcd.txt");
  EXPECT_EQ(safe_file_name("invoice\u202Efdp.exe"), "invoicefdp.exe");
  EXPECT_EQ(safe_file_name("x\xc2\x85y"), "xy");  // C1 control U+0085
}

TEST(ContentDisposition, InvalidUtf8IsDropped) { EXPECT_EQ(safe_file_name("a\xff\xc0\xafz"), "az"); }

TEST(ContentDisposition, NeverEmpty) {
  for (std::string_view name : {"", "  ", "..", ".", "/", "\"\"", "\r\n", "\xff"}) {
    EXPECT_EQ(safe_file_name(name), kFallbackFileName) << name;
  }
}

TEST(ContentDisposition, TrimsDotsAndBlanks) { EXPECT_EQ(safe_file_name(" .hidden. "), "hidden"); }

TEST(ContentDisposition, LongNamesAreCutKeepingTheExtension) {
  auto name = safe_file_name(std::string(500, 'a') + ".jpeg");
  EXPECT_LE(name.size(), kMaxFileNameBytes);
  EXPECT_TRUE(name.ends_with("a.jpeg"));
}

TEST(ContentDisposition, LongNamesAreCutAtCharacterBoundaries) {
  std::string name;
  for (int i = 0; i < 200; ++i) name += "ü";
  auto safe = safe_file_name(name);
  EXPECT_LE(safe.size(), kMaxFileNameBytes);
  EXPECT_EQ(safe.size() % 2, 0u);
  EXPECT_TRUE(safe.starts_with("üü"));
}

TEST(ContentDisposition, ValueNeverBreaksTheHeader) {
  auto value = attachment_disposition("x\";\r\nSet-Cookie: a=b%20.txt");
  EXPECT_EQ(value.find_first_of("\r\n"), std::string::npos);
  EXPECT_EQ(value,
            "attachment; filename=\"x;Set-Cookie: a=b_20.txt\"; filename*=UTF-8''x%3BSet-Cookie%3A%20a%3Db%2520.txt");
}

}  // namespace
}  // namespace talkline::transport::http
