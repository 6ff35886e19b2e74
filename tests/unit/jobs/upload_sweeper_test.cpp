#include "jobs/upload_sweeper.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "store/sqlite/sqlite_store.hpp"
#include "unit/store/scratch_sqlite_store.hpp"
#include "store/upload_rules.hpp"

namespace talkline::jobs {
namespace {

constexpr model::Millis kStart = 1'700'000'000'000;

// Removes every blob but the ones named as failing, and records what it was asked.
class FlakyBlobStore final : public blob::BlobStore {
 public:
  std::set<std::string> failing;
  std::vector<std::string> removed;

  Result<std::unique_ptr<blob::BlobWriter>> open_writer(std::string_view) override {
    return Error::unavailable("not for this test");
  }
  Result<std::uint64_t> read(std::string_view, std::uint64_t, std::uint64_t, const blob::ChunkSink&) override {
    return Error::unavailable("not for this test");
  }
  Result<blob::BlobStat> stat(std::string_view) override { return Error::unavailable("not for this test"); }
  Result<void> remove(std::string_view key) override {
    if (failing.count(std::string(key)) > 0) return Error::unavailable("disk says no");
    removed.emplace_back(key);
    return ok_result();
  }
  Result<void> list(std::string_view, const blob::EntryVisitor&) override { return ok_result(); }
  Result<std::size_t> remove_abandoned_writes(blob::Clock::time_point) override { return std::size_t{0}; }
};

class UploadSweeperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    scratch_ = std::make_unique<store::testing::ScratchSqliteStore>();
    store_ = &scratch_->store();
    model::NewUser user;
    user.id = 1;
    user.username = "alice";
    user.display_name = "Alice";
    user.password_hash = "$argon2id$hash";
    user.created_at = kStart;
    ASSERT_TRUE(store_->user_insert(user).ok());
  }

  void TearDown() override {
    store_ = nullptr;
    scratch_.reset();
  }

  // An unattached upload of alice's, `size` bytes at `at`; returns its blob key.
  std::string upload(model::Id id, model::Millis at, std::uint64_t size = 10) {
    model::Upload upload;
    upload.id = id;
    upload.uploader_id = 1;
    upload.size = size;
    upload.content_type = "text/plain";
    upload.sha256 = std::string(64, 'a');
    upload.blob_key = "u/" + std::to_string(id);
    upload.file_name = "f";
    upload.created_at = at;
    EXPECT_TRUE(store_->upload_insert(upload, 0, 0).ok());
    return upload.blob_key;
  }

  std::vector<std::string> queued() {
    auto keys = store_->blob_release_list("", 1000);
    EXPECT_TRUE(keys.ok());
    return keys.ok() ? *keys : std::vector<std::string>{};
  }

  std::unique_ptr<store::testing::ScratchSqliteStore> scratch_;
  store::sqlite::SqliteStore* store_ = nullptr;
  util::ManualClock clock_{kStart};
  FlakyBlobStore blobs_;
};

UploadSweepOptions options_with_batch(int batch) {
  UploadSweepOptions options;
  options.unattached_ttl = std::chrono::seconds(60);
  options.batch = batch;
  return options;
}

TEST_F(UploadSweeperTest, AFullPageOfFailingBlobsDoesNotHoldBackTheOnesBehindIt) {
  std::vector<std::string> keys;
  for (model::Id id = 100; id < 107; ++id) keys.push_back(upload(id, kStart));
  std::sort(keys.begin(), keys.end());
  blobs_.failing = {keys[0], keys[1], keys[2]};
  clock_.advance_ms(3'600'000);

  UploadSweeper sweeper(*store_, blobs_, clock_, options_with_batch(2));
  SweepCounts counts = sweeper.sweep_once();
  EXPECT_EQ(counts.uploads_removed, 7);
  EXPECT_EQ(counts.blobs_freed, 4);
  EXPECT_EQ(blobs_.removed, (std::vector<std::string>{keys[3], keys[4], keys[5], keys[6]}));
  EXPECT_EQ(queued(), (std::vector<std::string>{keys[0], keys[1], keys[2]}));

  // The failed keys are tried again on the next pass, once each.
  blobs_.failing.erase(keys[1]);
  counts = sweeper.sweep_once();
  EXPECT_EQ(counts.blobs_freed, 1);
  EXPECT_EQ(queued(), (std::vector<std::string>{keys[0], keys[2]}));
}

TEST_F(UploadSweeperTest, UsagePastTheQuotaWindowIsForgottenAndRecentUsageKept) {
  const model::Millis hour = store::kUsageBucketMs;
  const model::Millis base = store::usage_bucket_of(kStart);
  upload(200, base, 100);
  upload(201, base + hour, 200);
  clock_.set_ms(base + 2 * hour + 24 * hour - 1);

  UploadSweeper sweeper(*store_, blobs_, clock_, options_with_batch(1));
  SweepCounts counts = sweeper.sweep_once();
  EXPECT_EQ(counts.usage_hours_forgotten, 1);
  auto used = store_->upload_bytes_since(1, 0);
  ASSERT_TRUE(used.ok());
  EXPECT_EQ(*used, 200u);
}

}  // namespace
}  // namespace talkline::jobs
