// copy_blobs(): what a backup with --blobs and a restore with --blobs rely on.
#include "blob/blob_copy.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "blob/file_blob_store.hpp"
#include "support/server_process.hpp"

namespace talkline::blob {
namespace {

namespace fs = std::filesystem;

class BlobCopyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = talkline::testing::make_temp_dir("talkline-blob-copy");
    from_ = std::move(FileBlobStore::open(root_ / "from")).value();
    to_ = std::move(FileBlobStore::open(root_ / "to")).value();
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }

  static void put(BlobStore& store, const std::string& key, const std::string& content) {
    auto writer = std::move(store.open_writer(key)).value();
    ASSERT_TRUE(writer->append(content).ok());
    ASSERT_TRUE(writer->finish().ok());
  }
  static std::string get(BlobStore& store, const std::string& key) {
    std::string content;
    auto read = store.read(key, 0, kToEnd, [&](std::string_view chunk) {
      content.append(chunk);
      return true;
    });
    EXPECT_TRUE(read.ok()) << key;
    return content;
  }

  fs::path root_;
  std::unique_ptr<FileBlobStore> from_;
  std::unique_ptr<FileBlobStore> to_;
};

TEST_F(BlobCopyTest, CopiesEachKeyWhole) {
  const std::string big(600 * 1024, 'x');  // several chunks
  put(*from_, "u/1", big);
  put(*from_, "u/1.thumb", "small");
  auto summary = copy_blobs(*from_, *to_, {"u/1", "u/1.thumb"});
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  EXPECT_EQ(summary->copied, 2U);
  EXPECT_EQ(summary->bytes_copied, big.size() + 5);
  EXPECT_TRUE(summary->missing.empty());
  EXPECT_EQ(get(*to_, "u/1"), big);
  EXPECT_EQ(get(*to_, "u/1.thumb"), "small");
}

TEST_F(BlobCopyTest, SkipsBlobsAlreadyCopiedAndCountsMissingOnes) {
  put(*from_, "u/1", "one");
  put(*from_, "u/2", "two");
  put(*to_, "u/1", "one");
  auto summary = copy_blobs(*from_, *to_, {"u/1", "u/2", "u/3"});
  ASSERT_TRUE(summary.ok()) << summary.error().message;
  EXPECT_EQ(summary->copied, 1U);
  EXPECT_EQ(summary->already_there, 1U);
  ASSERT_EQ(summary->missing.size(), 1U);
  EXPECT_EQ(summary->missing.front(), "u/3");
  EXPECT_EQ(get(*to_, "u/2"), "two");
}

TEST_F(BlobCopyTest, RewritesABlobOfAnotherSize) {
  put(*from_, "u/1", "the whole content");
  put(*to_, "u/1", "a part");
  auto summary = copy_blobs(*from_, *to_, {"u/1"});
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->copied, 1U);
  EXPECT_EQ(get(*to_, "u/1"), "the whole content");
}

TEST_F(BlobCopyTest, RefusesABadKeyBeforeAnyIo) {
  auto summary = copy_blobs(*from_, *to_, {"../escape"});
  ASSERT_FALSE(summary.ok());
  EXPECT_EQ(summary.error().code, ErrorCode::invalid_argument);
}

}  // namespace
}  // namespace talkline::blob
