// The SQLite backup and restore mechanics behind `talkline admin backup` / `restore`:
// one snapshot while another connection keeps committing, checks that refuse what a
// server could not run on, and a restore that never replays a stale WAL.
#include "store/sqlite/backup.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite/connection.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "temp_dir.hpp"

namespace talkline::store::sqlite {
namespace {

namespace fs = std::filesystem;
using talkline::store::testing::TempDir;

// A migrated store file, with a table of filler rows to give the copy some pages.
std::string make_store(const TempDir& dir, const std::string& name, int rows) {
  const std::string path = dir.file(name);
  SqliteOptions options;
  options.path = path;
  {
    auto store = std::move(SqliteStore::open(options)).value();
    store->close();
  }
  auto db = std::move(Connection::open(path, Connection::Mode::read_write, 5000)).value();
  EXPECT_TRUE(db->exec("CREATE TABLE filler (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)").ok());
  EXPECT_TRUE(db->exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
                       std::to_string(rows) + ") INSERT INTO filler (payload) SELECT printf('%0200d', i) FROM n")
                  .ok());
  return path;
}

std::int64_t count_rows(const std::string& path, const std::string& table) {
  auto db = std::move(Connection::open(path, Connection::Mode::read_only, 5000)).value();
  auto query = std::move(db->prepare("SELECT count(*) FROM " + table)).value();
  EXPECT_TRUE(query.step().ok());
  return query.int64(0);
}

TEST(SqliteBackup, CopiesOneSnapshotInStepsWhileAnotherConnectionCommits) {
  TempDir dir;
  const std::string source = make_store(dir, "live.db", 2000);
  auto writer = std::move(Connection::open(source, Connection::Mode::read_write, 5000)).value();
  ASSERT_TRUE(writer->exec("PRAGMA journal_mode = WAL").ok());

  std::atomic<bool> stop{false};
  std::atomic<int> committed{0};
  std::thread writes([&] {
    while (!stop.load()) {
      if (writer->exec("INSERT INTO filler (payload) VALUES (printf('%0200d', 7))").ok()) committed.fetch_add(1);
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  while (committed.load() < 20) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const int before = 2000 + committed.load();

  BackupOptions options;
  options.pages_per_step = 4;
  options.pause = std::chrono::milliseconds(1);
  auto summary = backup_database(source, dir.file("copy.db"), options);
  const int during = 2000 + committed.load() - before;
  stop = true;
  writes.join();

  ASSERT_TRUE(summary.ok()) << summary.error().message;
  EXPECT_GT(summary->steps, 10) << "the copy ran in steps";
  EXPECT_EQ(summary->source_journal_mode, "wal");
  EXPECT_EQ(summary->schema_version, newest_schema_version());
  EXPECT_GT(during, 0) << "commits went on while the backup ran";
  EXPECT_GE(count_rows(dir.file("copy.db"), "filler"), before);
  EXPECT_FALSE(fs::exists(dir.file("copy.db-wal")));
  EXPECT_FALSE(fs::exists(dir.file("copy.db.part")));
}

TEST(SqliteBackup, RefusesAnExistingDestinationUnlessAskedToReplaceIt) {
  TempDir dir;
  const std::string source = make_store(dir, "live.db", 10);
  { std::ofstream(dir.file("copy.db")) << "old"; }
  auto refused = backup_database(source, dir.file("copy.db"), {});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::conflict);

  BackupOptions replace;
  replace.replace = true;
  ASSERT_TRUE(backup_database(source, dir.file("copy.db"), replace).ok());
  EXPECT_EQ(count_rows(dir.file("copy.db"), "filler"), 10);
}

TEST(SqliteBackup, RefusesToWriteOverTheLiveStoreOrTheFilesBesideItEvenWhenAskedToReplace) {
  TempDir dir;
  const std::string source = make_store(dir, "talkline.db", 10);
  auto server = std::move(Connection::open(source, Connection::Mode::read_write, 5000)).value();
  ASSERT_TRUE(server->exec("PRAGMA journal_mode = WAL").ok());
  ASSERT_TRUE(server->exec("INSERT INTO filler (payload) VALUES ('in the wal')").ok());
  ASSERT_TRUE(fs::exists(source + "-wal"));
  fs::create_directory(dir.file("sub"));
  fs::create_symlink(source, dir.file("link.db"));
  fs::create_directory_symlink(dir.path(), dir.file("data-link"));

  BackupOptions replace;
  replace.replace = true;
  for (const std::string& destination :
       {source, dir.file("sub/../talkline.db"), dir.file("link.db"), dir.file("data-link/talkline.db"), source + "-wal",
        source + "-shm", source + "-journal", source + ".bak"}) {
    auto refused = backup_database(source, destination, replace);
    ASSERT_FALSE(refused.ok()) << destination;
    EXPECT_EQ(refused.error().code, ErrorCode::invalid_argument) << destination;
    EXPECT_NE(refused.error().message.find("outside the data dir"), std::string::npos) << refused.error().message;
  }
  EXPECT_TRUE(fs::is_symlink(dir.file("link.db")));
  EXPECT_FALSE(fs::exists(source + ".bak"));
  EXPECT_TRUE(check_database(source, newest_schema_version()).ok());
  EXPECT_EQ(count_rows(source, "filler"), 11);

  ASSERT_TRUE(backup_database(source, dir.file("sub/talkline.db"), replace).ok())
      << "the same name elsewhere is an ordinary destination";
  EXPECT_EQ(count_rows(dir.file("sub/talkline.db"), "filler"), 11);
}

TEST(SqliteBackup, MissingSourceIsNotFoundAndLeavesNothing) {
  TempDir dir;
  auto missing = backup_database(dir.file("nothing.db"), dir.file("copy.db"), {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);
  EXPECT_FALSE(fs::exists(dir.file("copy.db")));
}

TEST(SqliteBackup, CheckRefusesASchemaNewerThanTheBinary) {
  TempDir dir;
  const std::string path = make_store(dir, "store.db", 1);
  const int version = newest_schema_version();
  auto fine = check_database(path, version);
  ASSERT_TRUE(fine.ok()) << fine.error().message;
  EXPECT_EQ(fine->schema_version, version);

  auto newer = check_database(path, version - 1);
  ASSERT_FALSE(newer.ok());
  EXPECT_EQ(newer.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(newer.error().message.find("newer than this binary's"), std::string::npos) << newer.error().message;
}

TEST(SqliteBackup, CheckRefusesFilesThatAreNotTalkLineStores) {
  TempDir dir;
  { std::ofstream(dir.file("junk.db"), std::ios::binary) << std::string(8192, 'Z'); }
  auto junk = check_database(dir.file("junk.db"), newest_schema_version());
  ASSERT_FALSE(junk.ok());
  EXPECT_EQ(junk.error().code, ErrorCode::invalid_argument);

  {
    auto db = std::move(Connection::open(dir.file("other.db"), Connection::Mode::read_write, 5000)).value();
    ASSERT_TRUE(db->exec("CREATE TABLE t (x)").ok());
  }
  auto other = check_database(dir.file("other.db"), newest_schema_version());
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.error().message.find("not a TalkLine store"), std::string::npos);
}

TEST(SqliteBackup, InstallReplacesTheStoreAndDropsItsStaleWal) {
  TempDir dir;
  const std::string backup = dir.file("backup.db");
  ASSERT_TRUE(backup_database(make_store(dir, "source.db", 5), backup, {}).ok());
  const std::string target = make_store(dir, "target.db", 50);
  // What a store that was not closed cleanly leaves: a WAL that would be replayed.
  { std::ofstream(target + "-wal", std::ios::binary) << std::string(4096, 'W'); }
  auto installed = install_database(backup, target, newest_schema_version());
  ASSERT_TRUE(installed.ok()) << installed.error().message;
  EXPECT_FALSE(fs::exists(target + "-wal"));
  EXPECT_EQ(count_rows(target, "filler"), 5);
  EXPECT_EQ(fs::status(target).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
}

TEST(SqliteBackup, ReferencedBlobKeysNameFilesAndThumbnailsOnce) {
  TempDir dir;
  const std::string path = make_store(dir, "store.db", 1);
  EXPECT_TRUE(std::move(referenced_blob_keys(path)).value().empty());
  {
    auto db = std::move(Connection::open(path, Connection::Mode::read_write, 5000)).value();
    // Foreign keys are off on this bare connection: no user row is needed.
    ASSERT_TRUE(db->exec("INSERT INTO uploads (id, uploader_id, size, content_type, sha256, blob_key, file_name,"
                         " created_at, thumbnail_key) VALUES"
                         " (1, 1, 3, 'image/png', 'x', 'u/1', 'a.png', 0, 'u/1.thumb'),"
                         " (2, 1, 3, 'text/plain', 'x', 'u/2', 'b.txt', 0, NULL)")
                    .ok());
  }
  EXPECT_EQ(std::move(referenced_blob_keys(path)).value(), (std::vector<std::string>{"u/1", "u/1.thumb", "u/2"}));
}

}  // namespace
}  // namespace talkline::store::sqlite
