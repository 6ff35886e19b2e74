#include "transfer_stats.hpp"

#include <algorithm>

namespace talkline::bench {

void TransferStats::merge(const TransferStats& other) {
  planned += other.planned;
  ok += other.ok;
  failed += other.failed;
  wrong_size += other.wrong_size;
  wrong_sha256 += other.wrong_sha256;
  unanswered += other.unanswered;
  not_sent += other.not_sent;
  bytes_ok += other.bytes_ok;
  latency.merge(other.latency);
  service.merge(other.service);
}

TransferVerdict judge_upload(unsigned status, std::uint64_t size, const std::string& sha256,
                             std::uint64_t expected_size, const std::string& expected_sha256) {
  if (status != 201) return TransferVerdict::failed;
  if (size != expected_size) return TransferVerdict::wrong_size;
  if (sha256 != expected_sha256) return TransferVerdict::wrong_sha256;
  return TransferVerdict::ok;
}

TransferVerdict judge_download(unsigned status, std::uint64_t bytes, const std::string& etag,
                               std::uint64_t expected_size, const std::string& expected_sha256) {
  if (status != 200) return TransferVerdict::failed;
  if (bytes != expected_size) return TransferVerdict::wrong_size;
  if (etag != "\"" + expected_sha256 + "\"") return TransferVerdict::wrong_sha256;
  return TransferVerdict::ok;
}

UploadStepOutcome judge_upload_step(const TransferStats& stats, double bound_ms) {
  UploadStepOutcome outcome;
  outcome.sustained = stats.planned > 0 && stats.not_sent == 0 && stats.errors() == 0 && stats.ok == stats.planned;
  outcome.p99_us = stats.latency.percentile(99);
  outcome.within_bound = outcome.sustained && (bound_ms <= 0 || static_cast<double>(outcome.p99_us) <= bound_ms * 1000);
  return outcome;
}

double mib_per_second(std::uint64_t bytes, double seconds) {
  if (seconds <= 0) return 0;
  return static_cast<double>(bytes) / (1024.0 * 1024.0) / seconds;
}

std::string make_text_payload(std::size_t bytes) {
  constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  constexpr std::size_t kLetters = sizeof kAlphabet - 1;
  constexpr std::size_t kLine = 64;
  std::string text(bytes, '\n');
  for (std::size_t i = 0; i < bytes; ++i) {
    // Every 64th byte stays a newline; the others walk the alphabet with a stride that is
    // prime to its length, so lines differ from each other.
    if (i % kLine != kLine - 1) text[i] = kAlphabet[(i * 7 + i / kLine) % kLetters];
  }
  return text;
}

void RssTracker::observe(const ServerSample& sample) {
  if (const auto total = sample.total()) observe_kib(total->rss_kib);
}

void RssTracker::observe_kib(double rss) {
  if (count_++ == 0) {
    start_kib_ = rss;
    peak_kib_ = rss;
  }
  peak_kib_ = std::max(peak_kib_, rss);
  end_kib_ = rss;
}

}  // namespace talkline::bench
