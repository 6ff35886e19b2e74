// StaticSite's answers as the router gets them: small files as one body, large ones as a
// stream that never holds the whole file, and what a stream sends when the file changes.
#include "transport/http/static_site.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "unit/store/temp_dir.hpp"

namespace talkline::transport::http {
namespace {

namespace fs = std::filesystem;
using talkline::store::testing::TempDir;

constexpr std::size_t kChunk = 64U << 10;

std::string pattern(std::size_t size, char salt) {
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 31 + i / 251 + salt) & 0xff);
  return bytes;
}

void write_file(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

Request get(std::string path, std::string method = "GET") {
  Request request;
  request.method = std::move(method);
  request.path = std::move(path);
  return request;
}

StaticSite open_site(const TempDir& dir) {
  auto site = StaticSite::open({dir.path(), "/", 300, "default-src 'self'", 16U << 20});
  EXPECT_TRUE(site.ok());
  return std::move(site).value();
}

// Runs the producer of a streamed answer into a string, noting the largest chunk.
struct Drained {
  bool finished = false;
  std::string bytes;
  std::size_t largest_chunk = 0;
};

Drained drain(const Response& response) {
  Drained drained;
  drained.finished = response.stream->produce([&](std::string_view chunk) {
    drained.largest_chunk = std::max(drained.largest_chunk, chunk.size());
    drained.bytes.append(chunk);
    return true;
  });
  return drained;
}

TEST(StaticSite, SmallFilesAreOneBody) {
  TempDir dir;
  const std::string bytes = pattern(kChunk, 'a');
  write_file(dir.path() / "app.js", bytes);
  const Response response = open_site(dir).serve(get("/app.js"));
  EXPECT_EQ(response.status, 200);
  EXPECT_FALSE(response.stream.has_value());
  EXPECT_EQ(response.body, bytes);
}

TEST(StaticSite, LargeFilesStreamByteExactThroughABoundedBuffer) {
  TempDir dir;
  const std::string bytes = pattern(5 * kChunk + 17, 'b');
  write_file(dir.path() / "bundle.js", bytes);
  const StaticSite site = open_site(dir);

  const Response response = site.serve(get("/bundle.js"));
  EXPECT_EQ(response.status, 200);
  ASSERT_TRUE(response.stream.has_value()) << "a large file is not held whole in the answer";
  EXPECT_TRUE(response.body.empty());
  EXPECT_EQ(response.stream->content_length, bytes.size());
  EXPECT_EQ(response.headers.get("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(response.headers.get("Cache-Control"), "public, max-age=300");
  EXPECT_EQ(response.headers.get("Content-Security-Policy"), "default-src 'self'");
  ASSERT_TRUE(response.headers.get("ETag").has_value());

  const Drained drained = drain(response);
  EXPECT_TRUE(drained.finished);
  EXPECT_EQ(drained.bytes, bytes);
  EXPECT_LE(drained.largest_chunk, kChunk);

  const Response head = site.serve(get("/bundle.js", "HEAD"));
  ASSERT_TRUE(head.stream.has_value());
  EXPECT_EQ(head.stream->content_length, bytes.size());
  EXPECT_EQ(head.headers.get("ETag"), response.headers.get("ETag"));
}

TEST(StaticSite, AStreamSendsTheFileItOpenedWhenARenameReplacesIt) {
  TempDir dir;
  const std::string old_bytes = pattern(3 * kChunk, 'c');
  write_file(dir.path() / "bundle.js", old_bytes);
  const Response response = open_site(dir).serve(get("/bundle.js"));
  ASSERT_TRUE(response.stream.has_value());

  write_file(dir.path() / "bundle.js.new", pattern(3 * kChunk, 'd'));
  fs::rename(dir.path() / "bundle.js.new", dir.path() / "bundle.js");
  const Drained drained = drain(response);
  EXPECT_TRUE(drained.finished);
  EXPECT_EQ(drained.bytes, old_bytes);
}

TEST(StaticSite, AStreamFailsWhenTheFileIsCutShortOrTheClientGoes) {
  TempDir dir;
  write_file(dir.path() / "bundle.js", pattern(3 * kChunk, 'e'));
  const StaticSite site = open_site(dir);

  const Response gone = site.serve(get("/bundle.js"));
  ASSERT_TRUE(gone.stream.has_value());
  int chunks = 0;
  EXPECT_FALSE(gone.stream->produce([&](std::string_view) { return ++chunks < 2; }));
  EXPECT_EQ(chunks, 2);

  const Response cut = site.serve(get("/bundle.js"));
  ASSERT_TRUE(cut.stream.has_value());
  fs::resize_file(dir.path() / "bundle.js", kChunk);
  EXPECT_FALSE(drain(cut).finished);
}

}  // namespace
}  // namespace talkline::transport::http
