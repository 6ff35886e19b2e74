#include "store/sqlite/wal_append_buffer.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/resource.h>

#include <csignal>
#include <filesystem>
#include <memory>
#include <string>

#include "temp_dir.hpp"

namespace talkline::store::sqlite {
namespace {

using talkline::store::testing::TempDir;

// Raw SQLite handles, so the test controls exactly which connection goes through the
// buffering VFS and when each one syncs, checkpoints or stops.
class Db {
 public:
  Db(const std::string& path, const char* vfs, int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) {
    if (sqlite3_open_v2(path.c_str(), &db_, flags, vfs) != SQLITE_OK) {
      ADD_FAILURE() << "open " << path << ": " << sqlite3_errmsg(db_);
    }
  }
  ~Db() { sqlite3_close(db_); }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  int exec(const std::string& sql) { return sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr); }
  void must(const std::string& sql) { ASSERT_EQ(exec(sql), SQLITE_OK) << sql << ": " << sqlite3_errmsg(db_); }

  std::string text(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    std::string value;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
      const unsigned char* raw = sqlite3_column_text(stmt, 0);
      value = raw != nullptr ? reinterpret_cast<const char*>(raw) : "";
    } else {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_);
    }
    sqlite3_finalize(stmt);
    return value;
  }
  long long number(const std::string& sql) { return std::stoll(text(sql)); }
  sqlite3* handle() { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

constexpr const char* kSchema =
    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA wal_autocheckpoint = 0;"
    "CREATE TABLE items (id INTEGER PRIMARY KEY, body TEXT NOT NULL);"
    "CREATE INDEX items_by_body ON items (body);";

class WalAppendBufferTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vfs_ = wal_append_buffer_vfs();
    ASSERT_NE(vfs_, nullptr);
    writer_ = std::make_unique<Db>(path_, vfs_);
    writer_->must(kSchema);
    // Row numbers for fill(): SQLite as packaged has no generate_series.
    writer_->must(
        "CREATE TABLE numbers (n INTEGER PRIMARY KEY);"
        "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 5000)"
        " INSERT INTO numbers SELECT n FROM c;");
  }

  // One statement adding `rows` rows whose bodies (and so index entries) land all over the file.
  std::string fill(int rows, int body_bytes) {
    return "INSERT INTO items (body) SELECT hex(randomblob(" + std::to_string(body_bytes / 2) +
           ")) FROM numbers WHERE n <= " + std::to_string(rows);
  }

  TempDir dir_;
  std::string path_ = dir_.file("buffered.db");
  const char* vfs_ = nullptr;
  std::unique_ptr<Db> writer_;
};

TEST_F(WalAppendBufferTest, EachCommitIsReadByAnotherConnectionAndGoesOutInFarFewerWrites) {
  Db reader(path_, nullptr, SQLITE_OPEN_READONLY);
  const WalAppendCounts before = wal_append_counts();
  long long expected = 0;
  for (int commit = 0; commit < 40; ++commit) {
    writer_->must("BEGIN IMMEDIATE");
    for (int job = 0; job < 10; ++job) writer_->must(fill(3, 300));
    writer_->must("COMMIT");
    expected += 30;
    ASSERT_EQ(reader.number("SELECT count(*) FROM items"), expected) << "after commit " << commit;
  }
  const WalAppendCounts after = wal_append_counts();
  const auto appends = after.appends - before.appends;
  const auto writes = after.file_writes - before.file_writes;
  // Two appends per frame (header, page); at least several frames per commit.
  EXPECT_GE(appends, 40u * 4u);
  EXPECT_LE(writes, appends / 4) << appends << " appends went out as " << writes << " writes";
  EXPECT_EQ(reader.text("PRAGMA integrity_check"), "ok");
}

TEST_F(WalAppendBufferTest, ATransactionLargerThanItsCacheReadsBackWhatItSpilled) {
  // Ten pages of cache: the transaction's own dirty pages are written to the WAL before the
  // commit and read back from it, through the buffer.
  writer_->must("PRAGMA cache_size = 10");
  writer_->must("BEGIN IMMEDIATE");
  writer_->must(fill(3000, 400));
  EXPECT_EQ(writer_->number("SELECT count(*) FROM items"), 3000);
  EXPECT_EQ(writer_->number("SELECT sum(length(body)) FROM items"), 3000 * 400);
  writer_->must("UPDATE items SET body = body || 'x' WHERE id % 7 = 0");
  writer_->must("COMMIT");
  Db reader(path_, nullptr, SQLITE_OPEN_READONLY);
  EXPECT_EQ(reader.number("SELECT count(*) FROM items WHERE body LIKE '%x'"), 3000 / 7);
  EXPECT_EQ(reader.text("PRAGMA integrity_check"), "ok");
}

TEST_F(WalAppendBufferTest, CheckpointsAndRestartsBetweenCommitsLoseNothing) {
  Db checkpointer(path_, nullptr);
  long long expected = 0;
  for (int commit = 0; commit < 60; ++commit) {
    writer_->must(fill(20, 200));
    expected += 20;
    if (commit % 5 == 0) {
      ASSERT_EQ(sqlite3_wal_checkpoint_v2(checkpointer.handle(), "main", SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr),
                SQLITE_OK);
    }
    if (commit % 11 == 0) writer_->must("PRAGMA wal_checkpoint(RESTART)");
  }
  EXPECT_EQ(checkpointer.number("SELECT count(*) FROM items"), expected);
  EXPECT_EQ(checkpointer.text("PRAGMA integrity_check"), "ok");
}

TEST_F(WalAppendBufferTest, ACopyTakenRightAfterACommitRecoversEveryCommittedRowAndNothingElse) {
  writer_->must(fill(500, 300));
  writer_->must(fill(500, 300));
  // A transaction still open, with frames already spilled to the WAL, at the "crash".
  writer_->must("PRAGMA cache_size = 10");
  writer_->must("BEGIN IMMEDIATE");
  writer_->must(fill(2000, 300));
  const std::string copy = dir_.file("copy.db");
  std::filesystem::copy_file(path_, copy);
  std::filesystem::copy_file(path_ + "-wal", copy + "-wal");
  writer_->must("ROLLBACK");

  Db recovered(copy, nullptr);
  EXPECT_EQ(recovered.number("SELECT count(*) FROM items"), 1000);
  EXPECT_EQ(recovered.text("PRAGMA integrity_check"), "ok");
}

TEST_F(WalAppendBufferTest, AWriteTheFileRefusesFailsTheCommitAndLeavesEarlierCommitsIntact) {
  writer_->must(fill(100, 300));
  const auto wal_bytes = static_cast<rlim_t>(std::filesystem::file_size(path_ + "-wal"));
  rlimit original{};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &original), 0);
  // Past the limit a write fails with EFBIG (and SIGXFSZ, ignored here): as a full disk would.
  auto previous_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit limited = original;
  limited.rlim_cur = wal_bytes + 64 * 1024;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &limited), 0);
  writer_->must("BEGIN IMMEDIATE");
  writer_->must(fill(2000, 400));
  const int committed = writer_->exec("COMMIT");
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &original), 0);
  std::signal(SIGXFSZ, previous_handler);

  EXPECT_NE(committed, SQLITE_OK);
  if (sqlite3_get_autocommit(writer_->handle()) == 0) writer_->must("ROLLBACK");
  Db reader(path_, nullptr, SQLITE_OPEN_READONLY);
  EXPECT_EQ(reader.number("SELECT count(*) FROM items"), 100);
  // The writer goes on once the file takes writes again.
  writer_->must(fill(50, 300));
  EXPECT_EQ(reader.number("SELECT count(*) FROM items"), 150);
  EXPECT_EQ(reader.text("PRAGMA integrity_check"), "ok");
}

}  // namespace
}  // namespace talkline::store::sqlite
