// The BlobStore suite against the filesystem store (a fresh directory per test), and
// what only that store does: where files go, temporary files, the sweep by age.
#include "blob/file_blob_store.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <string>

#include "conformance/blob_conformance.hpp"
#include "support/server_process.hpp"

namespace talkline::blob {
namespace {

namespace fs = std::filesystem;

// One directory for the binary, removed at exit; each store gets a fresh one inside.
class Root {
 public:
  Root() : path_(talkline::testing::make_temp_dir("talkline-blob")) {}
  ~Root() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  fs::path fresh() { return path_ / std::to_string(++count_); }

 private:
  fs::path path_;
  int count_ = 0;
};

Root& root() {
  static Root instance;
  return instance;
}

std::unique_ptr<FileBlobStore> open_store(const fs::path& dir) {
  auto store = FileBlobStore::open(dir);
  if (!store) throw std::runtime_error("FileBlobStore::open: " + store.error().message);
  return std::move(store).value();
}

TALKLINE_INSTANTIATE_BLOB_CONFORMANCE(File, talkline::conformance::BlobStoreFactory{
                                                "file", [] { return open_store(root().fresh()); }, true, true});

std::size_t files_in(const fs::path& dir) {
  std::size_t count = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) count += entry.is_regular_file() ? 1 : 0;
  return count;
}

void write_file(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

void age(const fs::path& path, std::chrono::seconds by) {
  const auto when = std::chrono::system_clock::now() - by;
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(when.time_since_epoch()).count();
  const timespec times[2] = {{seconds, 0}, {seconds, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
}

Result<BlobInfo> put(BlobStore& store, std::string_view key, std::string_view bytes) {
  auto writer = store.open_writer(key);
  if (!writer) return writer.take_error();
  TL_TRY((*writer)->append(bytes));
  return (*writer)->finish();
}

TEST(FileBlobStore, FinishedBlobIsOneFileUnderObjectsAndNoTemporaryRemains) {
  const fs::path dir = root().fresh();
  auto store = open_store(dir);
  ASSERT_TRUE(put(*store, "u/1/photo.jpg", "jpeg").ok());
  const fs::path path = store->path_of("u/1/photo.jpg");
  EXPECT_TRUE(fs::is_regular_file(path));
  EXPECT_EQ(path.parent_path().parent_path().parent_path(), dir / "objects");
  EXPECT_EQ(path.filename(), "u~1~photo.jpg");
  EXPECT_EQ(files_in(dir / "tmp"), 0u);
  EXPECT_EQ(files_in(dir / "objects"), 1u);
}

TEST(FileBlobStore, WriteInProgressIsATemporaryFileOnly) {
  const fs::path dir = root().fresh();
  auto store = open_store(dir);
  auto writer = store->open_writer("k");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->append("partial").ok());
  EXPECT_EQ(files_in(dir / "tmp"), 1u);
  EXPECT_EQ(files_in(dir / "objects"), 0u);
  (*writer)->abort();
  EXPECT_EQ(files_in(dir / "tmp"), 0u);
}

TEST(FileBlobStore, EveryValidKeyMapsInsideObjects) {
  auto store = open_store(root().fresh());
  for (const std::string key : {"...", "a/.../b", "..a", "a..", "-", "_/_"}) {
    const fs::path path = store->path_of(key).lexically_normal();
    const auto relative = path.lexically_relative(store->path_of("x").parent_path().parent_path().parent_path());
    EXPECT_FALSE(relative.empty()) << key;
    EXPECT_NE(*relative.begin(), "..") << key;
    EXPECT_EQ(std::distance(relative.begin(), relative.end()), 3) << key;
  }
}

TEST(FileBlobStore, SweepRemovesOnlyOldPartFiles) {
  const fs::path dir = root().fresh();
  auto store = open_store(dir);
  write_file(dir / "tmp" / "old.part", "left by a dead process");
  write_file(dir / "tmp" / "fresh.part", "still being written");
  write_file(dir / "tmp" / "notes.txt", "not ours");
  age(dir / "tmp" / "old.part", std::chrono::hours(2));
  age(dir / "tmp" / "notes.txt", std::chrono::hours(2));
  const auto removed = store->remove_abandoned_writes(std::chrono::system_clock::now() - std::chrono::hours(1));
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 1u);
  EXPECT_FALSE(fs::exists(dir / "tmp" / "old.part"));
  EXPECT_TRUE(fs::exists(dir / "tmp" / "fresh.part"));
  EXPECT_TRUE(fs::exists(dir / "tmp" / "notes.txt"));
}

TEST(FileBlobStore, ListingSkipsFilesThatNameNoKey) {
  const fs::path dir = root().fresh();
  auto store = open_store(dir);
  ASSERT_TRUE(put(*store, "good", "1").ok());
  const fs::path shard = store->path_of("good").parent_path();
  write_file(shard / "bad name", "x");
  write_file(shard / "~lead", "x");
  std::vector<std::string> keys;
  ASSERT_TRUE(store
                  ->list("",
                         [&](const BlobEntry& entry) {
                           keys.push_back(entry.key);
                           return true;
                         })
                  .ok());
  EXPECT_EQ(keys, std::vector<std::string>{"good"});
}

TEST(FileBlobStore, ReopeningSeesWhatWasStored) {
  const fs::path dir = root().fresh();
  ASSERT_TRUE(put(*open_store(dir), "kept/a", "abc").ok());
  auto again = open_store(dir);
  EXPECT_EQ(again->stat("kept/a")->size, 3u);
}

TEST(FileBlobStore, UnwritableRootIsUnavailableWithTheReason) {
  const fs::path dir = root().fresh();
  write_file(dir, "a file where the root should be");
  const auto store = FileBlobStore::open(dir / "sub");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::unavailable);
  EXPECT_NE(store.error().message.find(dir.string()), std::string::npos) << store.error().message;
}

}  // namespace
}  // namespace talkline::blob
