#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "transport/http/static_path.hpp"

namespace talkline::transport::http {
namespace {

TEST(StaticPath, DirectoriesNameTheirIndex) {
  EXPECT_EQ(static_relative_path(""), "index.html");
  EXPECT_EQ(static_relative_path("sub/"), "sub/index.html");
}

TEST(StaticPath, OrdinaryFilesPassThrough) {
  EXPECT_EQ(static_relative_path("js/views/app.js"), "js/views/app.js");
  EXPECT_EQ(static_relative_path("a..b.css"), "a..b.css");
}

TEST(StaticPath, TraversalDotfilesAndOddBytesAreRefused) {
  const std::vector<std::string> refused = {"..",
                                            "../x",
                                            "a/../b",
                                            "a/./b",
                                            ".",
                                            ".env",
                                            "a/.git/config",
                                            "a//b",
                                            "/abs",
                                            "a\\..\\b",
                                            std::string("a\0b", 3),
                                            "a\nb",
                                            "x/\x7f"};
  for (const auto& bad : refused) {
    EXPECT_FALSE(static_relative_path(bad).has_value()) << bad;
  }
}

TEST(StaticPath, ContentTypeFollowsTheExtensionCaseInsensitively) {
  EXPECT_EQ(static_content_type("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(static_content_type("js/app.JS"), "text/javascript; charset=utf-8");
  EXPECT_EQ(static_content_type("logo.svg"), "image/svg+xml");
  EXPECT_EQ(static_content_type("dir.v2/README"), "application/octet-stream");
  EXPECT_EQ(static_content_type("archive.tar.gz"), "application/octet-stream");
}

}  // namespace
}  // namespace talkline::transport::http
