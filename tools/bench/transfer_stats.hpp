#pragma once

#include <cstdint>
#include <string>

#include "histogram.hpp"
#include "process_stats.hpp"

namespace talkline::bench {

/// What one uploader saw of its uploads or downloads (or a whole phase, once merged).
/// Latencies are microseconds.
struct TransferStats {
  std::uint64_t planned = 0;       ///< transfers the schedule asked for
  std::uint64_t ok = 0;            ///< answered right: the status, size and hash expected
  std::uint64_t failed = 0;        ///< answered with another status (refused, 413, 5xx …)
  std::uint64_t wrong_size = 0;    ///< the size the server gave or sent is not the file's
  std::uint64_t wrong_sha256 = 0;  ///< the SHA-256 (an upload's `sha256`, a download's ETag) is not the file's
  std::uint64_t unanswered = 0;    ///< the connection failed or timed out before an answer
  /// Planned uploads never started because the step ran past its drain time: the server
  /// fell behind, which is a step not sustained rather than a wrong answer.
  std::uint64_t not_sent = 0;
  std::uint64_t bytes_ok = 0;  ///< file bytes of the `ok` transfers
  Histogram latency;           ///< planned start → answer (open loop: includes waiting behind earlier ones)
  Histogram service;           ///< first byte written → answer

  void merge(const TransferStats& other);
  /// failed + wrong_size + wrong_sha256 + unanswered: answers that were wrong or missing.
  std::uint64_t errors() const { return failed + wrong_size + wrong_sha256 + unanswered; }
};

/// How an answer to one transfer is counted.
enum class TransferVerdict { ok, failed, wrong_size, wrong_sha256 };

/// The verdict on an upload's answer with HTTP `status` whose body says `size` and `sha256`
/// (absent fields: 0 and empty), for a file of `expected_size` bytes whose SHA-256 is
/// `expected_sha256` (lower-case hex).
TransferVerdict judge_upload(unsigned status, std::uint64_t size, const std::string& sha256,
                             std::uint64_t expected_size, const std::string& expected_sha256);

/// The verdict on a download answered with `status`, `bytes` of body and `etag`: a whole
/// file is a 200 of `expected_size` bytes whose strong ETag is its SHA-256 in quotes.
TransferVerdict judge_download(unsigned status, std::uint64_t bytes, const std::string& etag,
                               std::uint64_t expected_size, const std::string& expected_sha256);

/// A rising-rate step's outcome: sustained when every planned upload was made and answered
/// right; within the bound when, in addition, its p99 planned→201 is at most `bound_ms`
/// (no bound when `bound_ms` <= 0).
struct UploadStepOutcome {
  bool sustained = false;
  bool within_bound = false;
  std::uint64_t p99_us = 0;
};
UploadStepOutcome judge_upload_step(const TransferStats& stats, double bound_ms);

/// bytes / seconds in MiB/s (0 when seconds <= 0).
double mib_per_second(std::uint64_t bytes, double seconds);

/// `bytes` of printable text (lines of letters and digits ending in '\n'), the same for
/// every run, so the server sniffs it as text/plain and makes no thumbnail of it.
std::string make_text_payload(std::size_t bytes);

/// The server's resident memory over a span, summed over its nodes: the first sample,
/// the highest and the last. Samples whose total is unknown are ignored.
class RssTracker {
 public:
  void observe(const ServerSample& sample);
  void observe_kib(double rss_kib);
  bool known() const { return count_ > 0; }
  double start_kib() const { return start_kib_; }
  double peak_kib() const { return peak_kib_; }
  double end_kib() const { return end_kib_; }
  /// peak - start: what the span added at worst.
  double peak_growth_kib() const { return peak_kib_ - start_kib_; }
  /// end - start: what the span left behind.
  double end_growth_kib() const { return end_kib_ - start_kib_; }

 private:
  std::uint64_t count_ = 0;
  double start_kib_ = 0;
  double peak_kib_ = 0;
  double end_kib_ = 0;
};

}  // namespace talkline::bench
