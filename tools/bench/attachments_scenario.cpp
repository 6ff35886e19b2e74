#include "attachments_scenario.hpp"

#include <cmath>
#include <cstdio>
#include <iostream>

#include "report.hpp"
#include "traffic_report.hpp"
#include "transfer_phase.hpp"

namespace talkline::bench {

using util::Json;
using Clock = Phase::Clock;

namespace {

constexpr double kKiBPerMiB = 1024;
constexpr double kBytesPerMiB = 1024.0 * 1024.0;

double mib(double kib) { return kib / kKiBPerMiB; }

Clock::duration seconds_of(double seconds) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

// What the whole run shares: the uploaders, the file of the steps, where to report.
struct Run {
  const CommonOptions& common;
  const AttachmentsOptions& options;
  std::vector<Uploader>& uploaders;
  const Payload& file;
  std::chrono::seconds timeout;
  Report& report;
};

Json rss_json(const RssTracker& rss) {
  if (!rss.known()) return Json::object();
  return {{"server_rss_start_kib", rss.start_kib()},
          {"server_rss_peak_kib", rss.peak_kib()},
          {"server_rss_end_kib", rss.end_kib()},
          {"server_rss_peak_growth_kib", rss.peak_growth_kib()}};
}

Json step_json(const PhaseResult& result, double seconds) {
  const auto& stats = result.stats;
  Json json = {{"seconds", seconds},
               {"planned", stats.planned},
               {"uploaded", stats.ok},
               {"failed", stats.failed},
               {"wrong_size", stats.wrong_size},
               {"wrong_sha256", stats.wrong_sha256},
               {"unanswered", stats.unanswered},
               {"not_sent", stats.not_sent},
               {"upload_rate", seconds > 0 ? static_cast<double>(stats.ok) / seconds : 0.0},
               {"mib_per_second", mib_per_second(stats.bytes_ok, seconds)},
               {"upload_us", latency_json(stats.latency)},
               {"service_us", latency_json(stats.service)}};
  if (result.server_cpu_percent) json["server_cpu_percent"] = *result.server_cpu_percent;
  json.update(rss_json(result.rss));
  return json;
}

// One upload per uploader, all at once and not reported as a step: the connections open
// and the server pays its first-write costs before the first step is timed. Its answers
// still count towards correctness.
TransferStats warm_up(const Run& run) {
  auto phase = std::make_shared<Phase>();
  phase->payload = &run.file;
  phase->begin = Clock::now();
  phase->count = run.uploaders.size();
  phase->timeout = run.timeout;
  return run_phase(run.uploaders, phase, run.common.server_pids).stats;
}

// The rising rates, each for the duration, until one is not sustained or over the bound.
// Adds the steps, the summary, the latencies and the server's RSS over the steps to the
// report; returns what every step saw.
TransferStats run_rate_steps(const Run& run) {
  const auto& options = run.options;
  const double duration = run.common.duration_seconds;
  const std::vector<double> rates = options.rates.empty() ? std::vector<double>{options.rate} : options.rates;
  run.report.add("parameters", "rates", Json(rates), "uploads/s");
  run.report.add("parameters", "duration_per_rate", duration, "s");
  run.report.add("parameters", "p99_bound_upload", options.p99_bound_ms, "ms");

  TransferStats total;
  RssTracker rss;  // each step's start, peak and end, in order
  Json steps = Json::array();
  Json best = nullptr;
  for (const double rate : rates) {
    if (rate <= 0) continue;
    std::cerr << "uploading " << rate << " files/s of " << run.file.bytes.size() << " bytes for " << duration << " s\n";
    auto phase = std::make_shared<Phase>();
    phase->payload = &run.file;
    phase->keep_ids = true;
    phase->begin = Clock::now();
    phase->interval = seconds_of(1 / rate);
    phase->count = static_cast<std::uint64_t>(std::ceil(rate * duration));
    phase->give_up = phase->begin + seconds_of(duration + options.drain_seconds);
    phase->timeout = run.timeout;
    const auto result = run_phase(run.uploaders, phase, run.common.server_pids);
    total.merge(result.stats);
    if (result.rss.known()) {
      for (const double kib : {result.rss.start_kib(), result.rss.peak_kib(), result.rss.end_kib()}) {
        rss.observe_kib(kib);
      }
    }
    // Rates over the planned duration, or until the last answer when the step ran over.
    const double seconds = std::max(duration, result.seconds);
    const auto outcome = judge_upload_step(result.stats, options.p99_bound_ms);
    Json step = step_json(result, seconds);
    step["rate"] = rate;
    step["sustained"] = outcome.sustained;
    step["within_bound"] = outcome.within_bound;
    steps.push_back(step);
    char line[240];
    std::snprintf(line, sizeof line, "  %.0f uploads/s: %s, %.1f MiB/s, p99 upload %.1f ms, server RSS peak +%.1f MiB",
                  rate, outcome.sustained ? "sustained" : "NOT sustained",
                  mib_per_second(result.stats.bytes_ok, seconds), static_cast<double>(outcome.p99_us) / 1000,
                  mib(result.rss.peak_growth_kib()));
    std::cerr << line << "\n";
    if (!outcome.within_bound) break;
    best = step;
  }

  auto& report = run.report;
  report.add("summary", "highest_rate_within_bound", best.is_null() ? 0.0 : best.at("rate").get<double>(), "uploads/s");
  if (!best.is_null()) {
    report.add("summary", "uploads_per_second_at_that_rate", best.at("upload_rate"), "uploads/s");
    report.add("summary", "mib_per_second_at_that_rate", best.at("mib_per_second"), "MiB/s");
    report.add("summary", "p99_upload_at_that_rate", best.at("upload_us").at("p99").get<double>() / 1000, "ms");
  }
  report.add_latency("latency", "upload (planned start → 201)", total.latency);
  report.add_latency("latency", "service (first byte → 201)", total.service);
  if (rss.known()) {
    report.add("server", "rss_start_mib", mib(rss.start_kib()), "MiB");
    report.add("server", "rss_peak_mib", mib(rss.peak_kib()), "MiB");
    report.add("server", "rss_end_mib", mib(rss.end_kib()), "MiB");
    report.add("server", "rss_peak_growth_mib", mib(rss.peak_growth_kib()), "MiB");
    report.add("server", "rss_end_growth_mib", mib(rss.end_growth_kib()), "MiB");
  }
  report.attach("steps", std::move(steps));
  return total;
}

// Downloads of the files the steps uploaded, back to back on every uploader's connection.
TransferStats run_downloads(const Run& run) {
  std::cerr << "downloading for " << run.options.download_seconds << " s\n";
  auto phase = std::make_shared<Phase>();
  phase->payload = &run.file;
  phase->download = true;
  phase->begin = Clock::now();
  phase->end = phase->begin + seconds_of(run.options.download_seconds);
  phase->timeout = run.timeout;
  const auto result = run_phase(run.uploaders, phase, run.common.server_pids);
  const auto& stats = result.stats;
  const double rate = result.seconds > 0 ? static_cast<double>(stats.ok) / result.seconds : 0.0;
  auto& report = run.report;
  report.add("downloads", "downloads", stats.ok);
  report.add("downloads", "seconds", result.seconds, "s");
  report.add("downloads", "downloads_per_second", rate);
  report.add("downloads", "mib_per_second", mib_per_second(stats.bytes_ok, result.seconds), "MiB/s");
  report.add_latency("downloads", "download", stats.latency);
  if (result.server_cpu_percent) report.add("downloads", "server_cpu_percent", *result.server_cpu_percent, "%");
  if (result.rss.known()) {
    report.add("downloads", "server_rss_peak_growth_mib", mib(result.rss.peak_growth_kib()), "MiB");
  }
  char line[200];
  std::snprintf(line, sizeof line, "  %llu downloads, %.1f MiB/s, p99 download %.1f ms, server RSS peak +%.1f MiB",
                static_cast<unsigned long long>(stats.ok), mib_per_second(stats.bytes_ok, result.seconds),
                static_cast<double>(stats.latency.percentile(99)) / 1000, mib(result.rss.peak_growth_kib()));
  std::cerr << line << "\n";
  return stats;
}

// A few files far larger than the server's 64 KiB read chunks, all at once, to show that
// its memory does not grow with them.
TransferStats run_large_step(const Run& run) {
  const int files = std::min(run.options.large_files, static_cast<int>(run.uploaders.size()));
  const Payload large = make_payload(run.options.large_file_bytes);
  std::cerr << "uploading " << files << " files of " << large.bytes.size() << " bytes at once\n";
  auto phase = std::make_shared<Phase>();
  phase->payload = &large;
  phase->begin = Clock::now();
  phase->count = static_cast<std::uint64_t>(files);
  phase->timeout = run.timeout;
  const auto result = run_phase(run.uploaders, phase, run.common.server_pids);
  const auto& stats = result.stats;
  const double in_flight_mib = static_cast<double>(large.bytes.size()) * files / kBytesPerMiB;
  auto& report = run.report;
  report.add("large_files", "files", files);
  report.add("large_files", "file_bytes", large.bytes.size());
  report.add("large_files", "uploaded", stats.ok);
  report.add("large_files", "seconds", result.seconds, "s");
  report.add("large_files", "mib_per_second", mib_per_second(stats.bytes_ok, result.seconds), "MiB/s");
  report.add_latency("large_files", "upload", stats.latency);
  if (result.rss.known()) {
    report.add("large_files", "server_rss_start_mib", mib(result.rss.start_kib()), "MiB");
    report.add("large_files", "server_rss_peak_mib", mib(result.rss.peak_kib()), "MiB");
    report.add("large_files", "server_rss_peak_growth_mib", mib(result.rss.peak_growth_kib()), "MiB");
    report.add("large_files", "bytes_in_flight_mib", in_flight_mib, "MiB");
  }
  char line[200];
  std::snprintf(line, sizeof line, "  %d × %.0f MiB: %llu uploaded, %.1f MiB/s, server RSS peak +%.1f MiB", files,
                static_cast<double>(large.bytes.size()) / kBytesPerMiB, static_cast<unsigned long long>(stats.ok),
                mib_per_second(stats.bytes_ok, result.seconds), mib(result.rss.peak_growth_kib()));
  std::cerr << line << "\n";
  return stats;
}

}  // namespace

int run_attachments(const CommonOptions& common, const AttachmentsOptions& options) {
  IoPool pool(common.threads);
  const int count = std::max(1, options.uploaders);
  std::cerr << "registering " << count << " users\n";
  const auto users = register_users(pool, common, count);
  auto uploaders = make_uploaders(pool, common, users);
  const Payload file = make_payload(options.file_bytes);
  const bool large_step = options.large_file_bytes > 0 && options.large_files > 0;

  Report report("attachments");
  report.add("parameters", "uploaders", count);
  report.add("parameters", "file_bytes", file.bytes.size());
  report.add("parameters", "content_type", "text/plain");
  report.add("parameters", "large_file_bytes", options.large_file_bytes);
  report.add("parameters", "large_files", large_step ? options.large_files : 0);
  report.add("parameters", "download_seconds", options.download_seconds, "s");
  report.add("parameters", "threads", pool.thread_count());
  add_targets(report, common);
  const Run run{common, options, uploaders, file, std::chrono::seconds{std::max(1, options.timeout_seconds)}, report};

  const TransferStats warm = warm_up(run);
  TransferStats uploads = run_rate_steps(run);
  uploads.merge(warm);
  TransferStats downloads;
  if (options.download_seconds > 0 && uploads.ok > 0) downloads = run_downloads(run);
  if (large_step) uploads.merge(run_large_step(run));

  report.add("correctness", "failed", uploads.failed);
  report.add("correctness", "wrong_size", uploads.wrong_size);
  report.add("correctness", "wrong_sha256", uploads.wrong_sha256);
  report.add("correctness", "unanswered", uploads.unanswered);
  report.add("correctness", "download_failed", downloads.failed);
  report.add("correctness", "download_wrong_size", downloads.wrong_size);
  report.add("correctness", "download_wrong_etag", downloads.wrong_sha256);
  report.add("correctness", "download_unanswered", downloads.unanswered);
  report.add("totals", "uploaded", uploads.ok);
  report.add("totals", "not_sent", uploads.not_sent);
  report.add("totals", "bytes_uploaded", uploads.bytes_ok);
  report.print(std::cout);
  if (!write_report(report, common.json_file)) return 2;
  if (uploads.ok == 0) {
    std::cerr << "no upload came back right: the run checked nothing\n";
    return 1;
  }
  return uploads.errors() == 0 && downloads.errors() == 0 ? 0 : 1;
}

}  // namespace talkline::bench
