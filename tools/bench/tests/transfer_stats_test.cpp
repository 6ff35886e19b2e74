#include "transfer_stats.hpp"

#include <cctype>

#include <gtest/gtest.h>

namespace talkline::bench {
namespace {

const std::string kSha = "ab12";

TEST(JudgeUpload, OnlyA201WithTheSizeAndHashSentIsOk) {
  EXPECT_EQ(judge_upload(201, 10, kSha, 10, kSha), TransferVerdict::ok);
  EXPECT_EQ(judge_upload(413, 10, kSha, 10, kSha), TransferVerdict::failed);
  EXPECT_EQ(judge_upload(200, 10, kSha, 10, kSha), TransferVerdict::failed);
  EXPECT_EQ(judge_upload(201, 9, kSha, 10, kSha), TransferVerdict::wrong_size);
  EXPECT_EQ(judge_upload(201, 10, "", 10, kSha), TransferVerdict::wrong_sha256);
}

TEST(JudgeDownload, OnlyA200OfTheWholeFileWithItsHashAsETagIsOk) {
  const std::string etag = "\"" + kSha + "\"";
  EXPECT_EQ(judge_download(200, 10, etag, 10, kSha), TransferVerdict::ok);
  EXPECT_EQ(judge_download(404, 10, etag, 10, kSha), TransferVerdict::failed);
  EXPECT_EQ(judge_download(206, 10, etag, 10, kSha), TransferVerdict::failed);
  EXPECT_EQ(judge_download(200, 3, etag, 10, kSha), TransferVerdict::wrong_size);
  EXPECT_EQ(judge_download(200, 10, kSha, 10, kSha), TransferVerdict::wrong_sha256);
  EXPECT_EQ(judge_download(200, 10, "W/" + etag, 10, kSha), TransferVerdict::wrong_sha256);
}

TransferStats clean_step(int uploads, std::uint64_t latency_us) {
  TransferStats stats;
  stats.planned = static_cast<std::uint64_t>(uploads);
  stats.ok = stats.planned;
  for (int i = 0; i < uploads; ++i) stats.latency.record(latency_us);
  return stats;
}

TEST(JudgeUploadStep, AStepEveryUploadOfWhichCameBackRightIsSustained) {
  const auto outcome = judge_upload_step(clean_step(100, 200'000), 1000);
  EXPECT_TRUE(outcome.sustained);
  EXPECT_TRUE(outcome.within_bound);
}

TEST(JudgeUploadStep, AP99AboveTheBoundIsSustainedButOutsideIt) {
  const auto outcome = judge_upload_step(clean_step(100, 1'500'000), 1000);
  EXPECT_TRUE(outcome.sustained);
  EXPECT_FALSE(outcome.within_bound);
  EXPECT_GE(outcome.p99_us, 1'500'000U);
  EXPECT_TRUE(judge_upload_step(clean_step(100, 1'500'000), 0).within_bound);
}

TEST(JudgeUploadStep, UploadsNotSentOrAnsweredWronglyAreNotSustained) {
  auto behind = clean_step(100, 1000);
  behind.ok = 90;
  behind.not_sent = 10;
  EXPECT_FALSE(judge_upload_step(behind, 1000).sustained);
  auto wrong = clean_step(100, 1000);
  wrong.ok = 99;
  wrong.wrong_sha256 = 1;
  EXPECT_FALSE(judge_upload_step(wrong, 1000).within_bound);
  EXPECT_FALSE(judge_upload_step(TransferStats{}, 1000).sustained);
}

TEST(TransferStats, MergeAddsCountsAndLatencies) {
  auto a = clean_step(3, 10);
  auto b = clean_step(2, 20);
  b.unanswered = 1;
  b.bytes_ok = 7;
  a.merge(b);
  EXPECT_EQ(a.planned, 5U);
  EXPECT_EQ(a.ok, 5U);
  EXPECT_EQ(a.errors(), 1U);
  EXPECT_EQ(a.bytes_ok, 7U);
  EXPECT_EQ(a.latency.count(), 5U);
}

TEST(MibPerSecond, DividesBytesByMebibytesAndSeconds) {
  EXPECT_DOUBLE_EQ(mib_per_second(std::uint64_t{8} << 20, 2), 4);
  EXPECT_DOUBLE_EQ(mib_per_second(100, 0), 0);
}

TEST(TextPayload, IsPrintableTextOfTheSizeAskedForAndTheSameEachTime) {
  const auto text = make_text_payload(1000);
  ASSERT_EQ(text.size(), 1000U);
  for (const char c : text) EXPECT_TRUE(c == '\n' || std::isalnum(static_cast<unsigned char>(c))) << int(c);
  EXPECT_EQ(text, make_text_payload(1000));
  EXPECT_NE(text.substr(0, 63), text.substr(64, 63));
}

TEST(RssTracker, KeepsTheFirstHighestAndLastSample) {
  RssTracker rss;
  EXPECT_FALSE(rss.known());
  for (const double kib : {100.0, 180.0, 120.0}) rss.observe_kib(kib);
  EXPECT_DOUBLE_EQ(rss.start_kib(), 100);
  EXPECT_DOUBLE_EQ(rss.peak_kib(), 180);
  EXPECT_DOUBLE_EQ(rss.end_kib(), 120);
  EXPECT_DOUBLE_EQ(rss.peak_growth_kib(), 80);
  EXPECT_DOUBLE_EQ(rss.end_growth_kib(), 20);
}

TEST(RssTracker, IgnoresSamplesWithoutATotal) {
  RssTracker rss;
  rss.observe(ServerSample{});
  EXPECT_FALSE(rss.known());
  ServerSample sample;
  sample.nodes = {ProcessSample{0, 50}, ProcessSample{0, 70}};
  rss.observe(sample);
  EXPECT_DOUBLE_EQ(rss.start_kib(), 120);
}

}  // namespace
}  // namespace talkline::bench
