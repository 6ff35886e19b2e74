#include "store/sqlite/writer.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite/connection.hpp"
#include "temp_dir.hpp"
#include "util/log.hpp"

namespace talkline::store::sqlite {
namespace {

using talkline::store::testing::TempDir;

// Drives the writer directly on a scratch schema so batching can be arranged exactly:
// a job that blocks the writer lets the next jobs pile up into one batch.
class WriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Connection::open(dir_.file("writer.db"), Connection::Mode::read_write, 1000);
    ASSERT_TRUE(opened.ok());
    db_ = std::move(opened).value();
    ASSERT_TRUE(db_->exec("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;"
                          "CREATE TABLE items (name TEXT PRIMARY KEY);"
                          "CREATE TABLE parents (id INTEGER PRIMARY KEY);"
                          "CREATE TABLE children (id INTEGER PRIMARY KEY,"
                          " parent_id INTEGER REFERENCES parents (id) DEFERRABLE INITIALLY DEFERRED);")
                    .ok());
    writer_ = std::make_unique<Writer>(*db_, 64);
  }

  void TearDown() override {
    writer_.reset();
    db_.reset();
  }

  static Writer::Job insert_item(std::string name) {
    return [name = std::move(name)](Connection& db) -> Result<void> {
      TL_TRY_ASSIGN(Statement insert, db.prepare("INSERT INTO items (name) VALUES (?)"));
      insert.bind_all(name);
      return insert.run();
    };
  }

  // Occupies the writer thread until release() so that later submissions queue up.
  std::future<Result<void>> block_writer() {
    auto blocked = std::async(std::launch::async, [this] {
      return writer_->submit([this](Connection&) -> Result<void> {
        std::unique_lock lock(gate_mutex_);
        entered_ = true;
        gate_.notify_all();
        gate_.wait(lock, [this] { return released_; });
        return ok_result();
      });
    });
    std::unique_lock lock(gate_mutex_);
    gate_.wait(lock, [this] { return entered_; });
    return blocked;
  }

  void release() {
    std::lock_guard lock(gate_mutex_);
    released_ = true;
    gate_.notify_all();
  }

  void wait_until_queued(std::size_t count) {
    while (writer_->queued() < count) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  /// Submits each job from its own thread, in order, once the previous one is queued.
  std::vector<std::future<Result<void>>> submit_in_order(std::vector<Writer::Job> jobs) {
    std::vector<std::future<Result<void>>> results;
    for (auto& job : jobs) {
      results.push_back(std::async(std::launch::async, [this, job = std::move(job)] { return writer_->submit(job); }));
      wait_until_queued(results.size());
    }
    return results;
  }

  int count(const std::string& table) {
    auto query = db_->prepare("SELECT COUNT(*) FROM " + table);
    if (!query.ok() || !query->step().ok()) return -1;
    return static_cast<int>(query->int64(0));
  }

  TempDir dir_;
  std::unique_ptr<Connection> db_;
  std::unique_ptr<Writer> writer_;
  std::mutex gate_mutex_;
  std::condition_variable gate_;
  bool entered_ = false;
  bool released_ = false;
};

TEST_F(WriterTest, QueuedJobsShareOneCommit) {
  auto blocker = block_writer();
  auto results = submit_in_order({insert_item("a"), insert_item("b"), insert_item("c")});
  std::uint64_t commits_before = writer_->commits();
  release();
  EXPECT_TRUE(blocker.get().ok());
  for (auto& result : results) EXPECT_TRUE(result.get().ok());
  EXPECT_EQ(writer_->commits(), commits_before + 2) << "the blocker's batch, then one batch for a, b and c";
  writer_->stop();
  EXPECT_EQ(count("items"), 3);
}

// Light traffic: jobs that arrive a little apart still share a commit inside the window.
TEST_F(WriterTest, JobsArrivingInsideTheCommitWindowShareACommit) {
  writer_ = std::make_unique<Writer>(*db_, 64, Writer::Job{}, std::chrono::seconds(2));
  std::uint64_t commits_before = writer_->commits();
  std::promise<void> first_done;
  std::promise<void> second_done;
  writer_->submit_async(insert_item("first"), [&](Result<void> r) {
    EXPECT_TRUE(r.ok());
    first_done.set_value();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  writer_->submit_async(insert_item("second"), [&](Result<void> r) {
    EXPECT_TRUE(r.ok());
    second_done.set_value();
  });
  first_done.get_future().wait();
  second_done.get_future().wait();
  EXPECT_EQ(writer_->commits(), commits_before + 1);
  writer_->stop();
  EXPECT_EQ(count("items"), 2);
}

// A whole batch does not wait out the window (which here would outlast the test).
TEST_F(WriterTest, AFullBatchEndsTheCommitWindowEarly) {
  writer_ = std::make_unique<Writer>(*db_, 2, Writer::Job{}, std::chrono::hours(1));
  auto first = std::async(std::launch::async, [this] { return writer_->submit(insert_item("a")); });
  auto second = std::async(std::launch::async, [this] { return writer_->submit(insert_item("b")); });
  EXPECT_TRUE(first.get().ok());
  EXPECT_TRUE(second.get().ok());
  EXPECT_EQ(count("items"), 2);
}

TEST_F(WriterTest, AFailingJobIsUndoneAloneAndItsNeighboursCommit) {
  ASSERT_TRUE(writer_->submit(insert_item("taken")).ok());
  auto blocker = block_writer();
  Writer::Job half_done_then_conflict = [](Connection& db) -> Result<void> {
    TL_TRY(db.exec("INSERT INTO items (name) VALUES ('partial')"));
    return db.exec("INSERT INTO items (name) VALUES ('taken')");
  };
  auto results = submit_in_order({insert_item("before"), std::move(half_done_then_conflict), insert_item("after")});
  release();
  ASSERT_TRUE(blocker.get().ok());
  EXPECT_TRUE(results[0].get().ok());
  Result<void> failed = results[1].get();
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, ErrorCode::conflict);
  EXPECT_TRUE(results[2].get().ok());
  writer_->stop();
  EXPECT_EQ(count("items"), 3) << "taken, before and after; 'partial' was rolled back with its job";
}

TEST_F(WriterTest, AJobErrorLeavesNoPartialWrites) {
  Result<void> failed = writer_->submit([](Connection& db) -> Result<void> {
    TL_TRY(db.exec("INSERT INTO items (name) VALUES ('x')"));
    return Error::invalid("field", "rejected after writing");
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, ErrorCode::invalid_argument);
  writer_->stop();
  EXPECT_EQ(count("items"), 0);
}

TEST_F(WriterTest, AFailedCommitFailsEveryJobOfTheBatchAsUnavailable) {
  auto blocker = block_writer();
  Writer::Job orphan = [](Connection& db) -> Result<void> {
    // Deferred foreign keys are checked at COMMIT, which therefore fails.
    return db.exec("INSERT INTO children (id, parent_id) VALUES (1, 42)");
  };
  auto results = submit_in_order({insert_item("a"), std::move(orphan), insert_item("b")});
  release();
  ASSERT_TRUE(blocker.get().ok());
  for (auto& future : results) {
    Result<void> result = future.get();
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, ErrorCode::unavailable);
  }
  EXPECT_TRUE(writer_->submit(insert_item("later")).ok());
  writer_->stop();
  EXPECT_EQ(count("items"), 1);
  EXPECT_EQ(count("children"), 0);
}

TEST_F(WriterTest, AnEngineRollbackFailsEarlierJobsAndTheRestGetANewTransaction) {
  auto blocker = block_writer();
  Writer::Job engine_gave_up = [](Connection& db) -> Result<void> {
    // What SQLite does by itself on some I/O and disk-full errors.
    TL_TRY(db.exec("ROLLBACK"));
    return Error::unavailable("simulated disk full");
  };
  auto results = submit_in_order({insert_item("lost"), std::move(engine_gave_up), insert_item("kept")});
  release();
  ASSERT_TRUE(blocker.get().ok());
  Result<void> lost = results[0].get();
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.error().code, ErrorCode::unavailable);
  Result<void> failed = results[1].get();
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, ErrorCode::unavailable);
  EXPECT_TRUE(results[2].get().ok());
  writer_->stop();
  EXPECT_EQ(count("items"), 1);
}

TEST_F(WriterTest, AThrowingJobReportsInternalAndIsUndone) {
  Result<void> thrown = writer_->submit([](Connection& db) -> Result<void> {
    (void)db.exec("INSERT INTO items (name) VALUES ('x')");
    throw std::runtime_error("boom");
  });
  ASSERT_FALSE(thrown.ok());
  EXPECT_EQ(thrown.error().code, ErrorCode::internal);
  EXPECT_TRUE(writer_->submit(insert_item("y")).ok());
  writer_->stop();
  EXPECT_EQ(count("items"), 1);
}

TEST_F(WriterTest, StopFinishesQueuedJobsThenRefusesNewOnes) {
  auto blocker = block_writer();
  auto results = submit_in_order({insert_item("a"), insert_item("b")});
  std::thread stopper([this] { writer_->stop(); });
  // stop() must not return before the accepted jobs have run.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  release();
  stopper.join();
  EXPECT_TRUE(blocker.get().ok());
  for (auto& result : results) EXPECT_TRUE(result.get().ok());
  Result<void> refused = writer_->submit(insert_item("c"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::unavailable);
  EXPECT_EQ(count("items"), 2);
}

TEST_F(WriterTest, AsyncJobsShareACommitAndCompleteInQueueOrderOnTheWriterThread) {
  auto blocker = block_writer();
  std::mutex mutex;
  std::vector<std::string> completed;
  std::vector<bool> ok;
  std::thread::id completion_thread;
  std::promise<void> all_done;
  const std::vector<std::string> names = {"a", "b", "a", "c"};  // the second "a" breaks the key
  for (std::size_t i = 0; i < names.size(); ++i) {
    writer_->submit_async(insert_item(names[i]), [&, i](Result<void> outcome) {
      std::lock_guard lock(mutex);
      completed.push_back(names[i]);
      ok.push_back(outcome.ok());
      completion_thread = std::this_thread::get_id();
      if (completed.size() == names.size()) all_done.set_value();
    });
  }
  wait_until_queued(names.size());
  const std::uint64_t commits_before = writer_->commits();
  release();
  EXPECT_TRUE(blocker.get().ok());
  ASSERT_EQ(all_done.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(completed, names) << "completions run in the order the jobs were queued";
  EXPECT_EQ(ok, (std::vector<bool>{true, true, false, true})) << "a failing job is undone alone";
  EXPECT_NE(completion_thread, std::this_thread::get_id());
  EXPECT_EQ(writer_->commits(), commits_before + 2) << "the blocker's batch, then one for all four";
  writer_->stop();
  EXPECT_EQ(count("items"), 3);
}

TEST_F(WriterTest, AsyncJobsQueuedBeforeStopRunAndLaterOnesAreRefusedAtOnce) {
  auto blocker = block_writer();
  std::promise<bool> first;
  writer_->submit_async(insert_item("a"), [&](Result<void> outcome) { first.set_value(outcome.ok()); });
  wait_until_queued(1);
  std::thread stopper([this] { writer_->stop(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  release();
  stopper.join();
  EXPECT_TRUE(blocker.get().ok());
  EXPECT_TRUE(first.get_future().get());
  bool refused_in_place = false;
  writer_->submit_async(insert_item("b"), [&](Result<void> outcome) {
    refused_in_place = !outcome.ok() && outcome.error().code == ErrorCode::unavailable;
  });
  EXPECT_TRUE(refused_in_place) << "after stop the completion runs at once, on the caller's thread";
  EXPECT_EQ(count("items"), 1);
}

TEST_F(WriterTest, AThrowingCompletionIsLoggedAndTheWriterCarriesOn) {
  util::log::init(util::log::Level::info, util::log::Format::json, false);
  ::testing::internal::CaptureStderr();
  auto blocker = block_writer();
  writer_->submit_async(insert_item("a"), [](Result<void>) { throw std::runtime_error("completion boom"); });
  writer_->submit_async(insert_item("b"), [](Result<void>) { throw 42; });
  wait_until_queued(2);
  release();
  EXPECT_TRUE(blocker.get().ok());
  // The writer thread survived both: a later batch commits, and stop() joins it normally.
  EXPECT_TRUE(writer_->submit(insert_item("c")).ok());
  writer_->stop();
  const std::string logged = ::testing::internal::GetCapturedStderr();
  util::log::init(util::log::Level::info, util::log::Format::json);
  EXPECT_NE(logged.find("\"event\":\"store.completion_failed\""), std::string::npos) << logged;
  EXPECT_NE(logged.find("completion boom"), std::string::npos) << logged;
  EXPECT_NE(logged.find("unknown exception"), std::string::npos) << logged;
  EXPECT_EQ(count("items"), 3);
}

}  // namespace
}  // namespace talkline::store::sqlite
