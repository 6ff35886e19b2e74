#include "attachments_scenario.hpp"

#include <atomic>
#include <cmath>
#include <cstdio>
#include <future>
#include <iostream>
#include <memory>

#include "api_client.hpp"
#include "file_client.hpp"
#include "io_pool.hpp"
#include "process_stats.hpp"
#include "report.hpp"
#include "setup.hpp"
#include "traffic_report.hpp"
#include "transfer_stats.hpp"
#include "util/crypto.hpp"

namespace talkline::bench {

namespace net = boost::asio;
using util::Json;
using Clock = std::chrono::steady_clock;

namespace {

// How often the main thread samples the server's RSS while a phase runs: often enough to
// catch a peak that lasts as long as one large upload.
constexpr auto kSampleEvery = std::chrono::milliseconds(20);
constexpr double kKiBPerMiB = 1024;

// A file every upload of a phase sends: made and hashed once, shared by every uploader.
struct Payload {
  std::string bytes;
  std::string sha256;
};

Payload make_payload(std::int64_t bytes) {
  Payload payload;
  payload.bytes = make_text_payload(static_cast<std::size_t>(std::max<std::int64_t>(1, bytes)));
  payload.sha256 = util::sha256_hex(payload.bytes);
  return payload;
}

// One phase. Uploads: `count` of them, upload n planned at begin + n · interval and made
// by uploader n mod U. Downloads: each uploader fetches the files it uploaded, one after
// the other, until `end`. Uploader w writes only stats[w] (and its own ids), on its
// strand; the main thread reads them after `done`.
struct Phase {
  const Payload* payload = nullptr;
  bool download = false;
  bool keep_ids = false;  ///< uploads: remember the ids, for the downloads
  Clock::time_point begin;
  Clock::time_point end;  ///< downloads: none starts after it
  Clock::duration interval{};
  std::uint64_t count = 0;
  Clock::time_point give_up;  ///< an upload not started by then is not sent
  std::chrono::seconds timeout{120};
  std::vector<TransferStats> stats;
  std::atomic<int> running{0};
  std::promise<void> done;
};

struct Uploader {
  std::unique_ptr<FileClient> client;
  std::string token;
  std::vector<std::string> ids;  ///< what it uploaded in the rate steps
};

std::uint64_t micros_since(Clock::time_point from) {
  const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - from).count();
  return static_cast<std::uint64_t>(std::max<long long>(0, elapsed));
}

// Counts one answered transfer.
void record(TransferStats& stats, TransferVerdict verdict, std::uint64_t bytes, Clock::time_point planned,
            Clock::time_point started) {
  switch (verdict) {
    case TransferVerdict::ok:
      ++stats.ok;
      stats.bytes_ok += bytes;
      stats.latency.record(micros_since(planned));
      stats.service.record(micros_since(started));
      break;
    case TransferVerdict::failed: ++stats.failed; break;
    case TransferVerdict::wrong_size: ++stats.wrong_size; break;
    case TransferVerdict::wrong_sha256: ++stats.wrong_sha256; break;
  }
}

net::awaitable<void> run_uploader(std::shared_ptr<Phase> phase, Uploader& uploader, std::size_t w) {
  auto& stats = phase->stats[w];
  net::steady_timer timer(uploader.client->executor());
  const std::size_t uploaders = phase->stats.size();
  for (std::uint64_t n = w; n < phase->count; n += uploaders) {
    ++stats.planned;
    const auto planned = phase->begin + phase->interval * static_cast<Clock::rep>(n);
    if (planned > Clock::now()) {
      timer.expires_at(planned);
      boost::system::error_code ec;
      co_await timer.async_wait(net::redirect_error(net::use_awaitable, ec));
    }
    if (Clock::now() > phase->give_up) {
      ++stats.not_sent;
      continue;
    }
    const auto started = Clock::now();
    const std::string name = "bench-" + std::to_string(n) + ".txt";
    const auto reply =
        co_await uploader.client->upload(phase->payload->bytes, "text/plain", name, uploader.token, phase->timeout);
    if (!reply.answered) {
      ++stats.unanswered;
      continue;
    }
    const auto& file = *phase->payload;
    const auto verdict = judge_upload(reply.status, reply.size, reply.sha256, file.bytes.size(), file.sha256);
    record(stats, verdict, file.bytes.size(), planned, started);
    if (verdict == TransferVerdict::ok && phase->keep_ids && !reply.id.empty()) uploader.ids.push_back(reply.id);
  }
}

// A closed loop: the next download starts when the last one ended, so the phase measures
// how fast the server can send files, with latency from each request's start.
net::awaitable<void> run_downloader(std::shared_ptr<Phase> phase, Uploader& uploader, std::size_t w) {
  auto& stats = phase->stats[w];
  const auto& file = *phase->payload;
  for (std::size_t i = 0; !uploader.ids.empty() && Clock::now() < phase->end; ++i) {
    ++stats.planned;
    const auto started = Clock::now();
    const std::string path = "/api/v1/attachments/" + uploader.ids[i % uploader.ids.size()];
    const auto reply = co_await uploader.client->download(path, uploader.token, phase->timeout);
    if (!reply.answered) {
      ++stats.unanswered;
      continue;
    }
    record(stats, judge_download(reply.status, reply.bytes, reply.etag, file.bytes.size(), file.sha256),
           file.bytes.size(), started, started);
  }
}

// What the main thread measured around one phase.
struct PhaseResult {
  TransferStats stats;
  double seconds = 0;  ///< from the phase's start to its last answer
  RssTracker rss;
  std::optional<double> server_cpu_percent;
};

// Runs `phase` on `uploaders` (each uploader its own coroutine on its own strand) and
// samples the server meanwhile, from this thread.
PhaseResult run_phase(std::vector<Uploader>& uploaders, std::shared_ptr<Phase> phase,
                      const std::vector<pid_t>& server_pids) {
  PhaseResult result;
  const auto cpu_start = sample_server(server_pids).total();
  result.rss.observe(sample_server(server_pids));
  phase->stats.assign(uploaders.size(), TransferStats{});
  phase->running = static_cast<int>(uploaders.size());
  auto finished = phase->done.get_future();
  for (std::size_t w = 0; w < uploaders.size(); ++w) {
    auto work = phase->download ? run_downloader(phase, uploaders[w], w) : run_uploader(phase, uploaders[w], w);
    net::co_spawn(uploaders[w].client->executor(), std::move(work), [phase](std::exception_ptr) {
      if (--phase->running == 0) phase->done.set_value();
    });
  }
  while (finished.wait_for(kSampleEvery) != std::future_status::ready) {
    result.rss.observe(sample_server(server_pids));
  }
  const auto ended = Clock::now();
  result.rss.observe(sample_server(server_pids));
  result.seconds = std::chrono::duration<double>(ended - phase->begin).count();
  const auto cpu_end = sample_server(server_pids).total();
  if (cpu_start && cpu_end && result.seconds > 0) {
    result.server_cpu_percent = 100 * (cpu_end->cpu_seconds - cpu_start->cpu_seconds) / result.seconds;
  }
  for (const auto& stats : phase->stats) result.stats.merge(stats);
  return result;
}

double mib(double kib) { return kib / kKiBPerMiB; }

Json rss_json(const RssTracker& rss) {
  if (!rss.known()) return Json::object();
  return {{"server_rss_start_kib", rss.start_kib()},
          {"server_rss_peak_kib", rss.peak_kib()},
          {"server_rss_end_kib", rss.end_kib()},
          {"server_rss_peak_growth_kib", rss.peak_growth_kib()}};
}

Json phase_json(const PhaseResult& result, double seconds) {
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

std::vector<Uploader> make_uploaders(IoPool& pool, const CommonOptions& common, const std::vector<BenchUser>& users) {
  // Uploader w goes to node w mod N, like the connections of the other scenarios.
  std::vector<net::ip::tcp::endpoint> servers;
  for (const auto& node : common.targets) servers.push_back(resolve_endpoint(node.host, node.port));
  std::vector<Uploader> uploaders;
  for (std::size_t w = 0; w < users.size(); ++w) {
    const std::size_t node = node_of(w, servers.size());
    uploaders.push_back({std::make_unique<FileClient>(net::make_strand(pool.context()), servers[node],
                                                      common.targets[node].authority(), source_address_for(common, w)),
                         users[w].token,
                         {}});
  }
  return uploaders;
}

}  // namespace

int run_attachments(const CommonOptions& common, const AttachmentsOptions& options) {
  IoPool pool(common.threads);
  const int count = std::max(1, options.uploaders);
  std::cerr << "registering " << count << " users\n";
  const auto users = register_users(pool, common, count);
  auto uploaders = make_uploaders(pool, common, users);
  const Payload file = make_payload(options.file_bytes);
  const std::vector<double> rates = options.rates.empty() ? std::vector<double>{options.rate} : options.rates;
  const std::chrono::seconds timeout{std::max(1, options.timeout_seconds)};

  Report report("attachments");
  report.add("parameters", "uploaders", count);
  report.add("parameters", "file_bytes", file.bytes.size());
  report.add("parameters", "content_type", "text/plain");
  report.add("parameters", "rates", Json(rates), "uploads/s");
  report.add("parameters", "duration_per_rate", common.duration_seconds, "s");
  report.add("parameters", "p99_bound_upload", options.p99_bound_ms, "ms");
  report.add("parameters", "large_file_bytes", options.large_file_bytes);
  report.add("parameters", "large_files", options.large_file_bytes > 0 ? options.large_files : 0);
  report.add("parameters", "download_seconds", options.download_seconds, "s");
  report.add("parameters", "threads", pool.thread_count());
  add_targets(report, common);

  TransferStats total;
  RssTracker run_rss;  // over the rate steps: their start, peak and end
  Json steps = Json::array();
  double best_rate = 0;
  const Json* best_step = nullptr;
  for (const double rate : rates) {
    if (rate <= 0) continue;
    std::cerr << "uploading " << rate << " files/s of " << file.bytes.size() << " bytes for " << common.duration_seconds
              << " s\n";
    auto phase = std::make_shared<Phase>();
    phase->payload = &file;
    phase->keep_ids = true;
    phase->begin = Clock::now();
    phase->interval = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1 / rate));
    phase->count = static_cast<std::uint64_t>(std::ceil(rate * common.duration_seconds));
    const auto duration = std::chrono::duration<double>(common.duration_seconds + options.drain_seconds);
    phase->give_up = phase->begin + std::chrono::duration_cast<Clock::duration>(duration);
    phase->timeout = timeout;
    const auto result = run_phase(uploaders, phase, common.server_pids);
    total.merge(result.stats);
    if (result.rss.known()) {
      for (const double kib : {result.rss.start_kib(), result.rss.peak_kib(), result.rss.end_kib()}) {
        run_rss.observe_kib(kib);
      }
    }
    const double seconds = std::max(common.duration_seconds, result.seconds);
    const auto outcome = judge_upload_step(result.stats, options.p99_bound_ms);
    Json step = phase_json(result, seconds);
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
    if (outcome.within_bound && rate >= best_rate) best_rate = rate;
    if (!outcome.within_bound) break;
  }
  for (const auto& step : steps) {
    if (step.at("within_bound").get<bool>() && step.at("rate").get<double>() == best_rate) best_step = &step;
  }
  report.add("summary", "highest_rate_within_bound", best_rate, "uploads/s");
  if (best_step) {
    report.add("summary", "uploads_per_second_at_that_rate", best_step->at("upload_rate"), "uploads/s");
    report.add("summary", "mib_per_second_at_that_rate", best_step->at("mib_per_second"), "MiB/s");
    report.add("summary", "p99_upload_at_that_rate", best_step->at("upload_us").at("p99").get<double>() / 1000, "ms");
  }
  report.add_latency("latency", "upload (planned start → 201)", total.latency);
  report.add_latency("latency", "service (first byte → 201)", total.service);
  if (run_rss.known()) {
    report.add("server", "rss_start_mib", mib(run_rss.start_kib()), "MiB");
    report.add("server", "rss_peak_mib", mib(run_rss.peak_kib()), "MiB");
    report.add("server", "rss_end_mib", mib(run_rss.end_kib()), "MiB");
    report.add("server", "rss_peak_growth_mib", mib(run_rss.peak_growth_kib()), "MiB");
    report.add("server", "rss_end_growth_mib", mib(run_rss.end_growth_kib()), "MiB");
  }

  // Downloads of the files the steps uploaded, back to back on every uploader's connection.
  TransferStats downloads;
  if (options.download_seconds > 0 && total.ok > 0) {
    std::cerr << "downloading for " << options.download_seconds << " s\n";
    auto phase = std::make_shared<Phase>();
    phase->payload = &file;
    phase->download = true;
    phase->begin = Clock::now();
    phase->end = phase->begin +
                 std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.download_seconds));
    phase->timeout = timeout;
    const auto result = run_phase(uploaders, phase, common.server_pids);
    downloads = result.stats;
    report.add("downloads", "downloads", downloads.ok);
    report.add("downloads", "seconds", result.seconds, "s");
    report.add("downloads", "downloads_per_second", result.seconds > 0 ? downloads.ok / result.seconds : 0.0);
    report.add("downloads", "mib_per_second", mib_per_second(downloads.bytes_ok, result.seconds), "MiB/s");
    report.add_latency("downloads", "download", downloads.latency);
    if (result.server_cpu_percent) report.add("downloads", "server_cpu_percent", *result.server_cpu_percent, "%");
    if (result.rss.known()) {
      report.add("downloads", "server_rss_peak_growth_mib", mib(result.rss.peak_growth_kib()), "MiB");
    }
    char line[200];
    std::snprintf(line, sizeof line, "  %llu downloads, %.1f MiB/s, p99 download %.1f ms, server RSS peak +%.1f MiB",
                  static_cast<unsigned long long>(downloads.ok), mib_per_second(downloads.bytes_ok, result.seconds),
                  static_cast<double>(downloads.latency.percentile(99)) / 1000, mib(result.rss.peak_growth_kib()));
    std::cerr << line << "\n";
  }

  // The large step: a few files far larger than the server's 64 KiB read chunks, all at
  // once, to show that its memory does not grow with them.
  if (options.large_file_bytes > 0 && options.large_files > 0) {
    const int files = std::min(options.large_files, count);
    const Payload large = make_payload(options.large_file_bytes);
    std::cerr << "uploading " << files << " files of " << large.bytes.size() << " bytes at once\n";
    auto phase = std::make_shared<Phase>();
    phase->payload = &large;
    phase->begin = Clock::now();
    phase->count = static_cast<std::uint64_t>(files);
    phase->give_up = Clock::time_point::max();
    phase->timeout = timeout;
    const auto result = run_phase(uploaders, phase, common.server_pids);
    total.merge(result.stats);
    report.add("large_files", "files", files);
    report.add("large_files", "file_bytes", large.bytes.size());
    report.add("large_files", "uploaded", result.stats.ok);
    report.add("large_files", "seconds", result.seconds, "s");
    report.add("large_files", "mib_per_second", mib_per_second(result.stats.bytes_ok, result.seconds), "MiB/s");
    report.add_latency("large_files", "upload", result.stats.latency);
    if (result.rss.known()) {
      report.add("large_files", "server_rss_start_mib", mib(result.rss.start_kib()), "MiB");
      report.add("large_files", "server_rss_peak_mib", mib(result.rss.peak_kib()), "MiB");
      report.add("large_files", "server_rss_peak_growth_mib", mib(result.rss.peak_growth_kib()), "MiB");
      report.add("large_files", "bytes_in_flight_mib", static_cast<double>(large.bytes.size()) * files / (1 << 20),
                 "MiB");
    }
    char line[200];
    std::snprintf(line, sizeof line, "  %d × %.0f MiB: %llu uploaded, %.1f MiB/s, server RSS peak +%.1f MiB", files,
                  static_cast<double>(large.bytes.size()) / (1 << 20), static_cast<unsigned long long>(result.stats.ok),
                  mib_per_second(result.stats.bytes_ok, result.seconds), mib(result.rss.peak_growth_kib()));
    std::cerr << line << "\n";
  }

  report.add("correctness", "failed", total.failed);
  report.add("correctness", "wrong_size", total.wrong_size);
  report.add("correctness", "wrong_sha256", total.wrong_sha256);
  report.add("correctness", "unanswered", total.unanswered);
  report.add("correctness", "download_failed", downloads.failed);
  report.add("correctness", "download_wrong_size", downloads.wrong_size);
  report.add("correctness", "download_wrong_etag", downloads.wrong_sha256);
  report.add("correctness", "download_unanswered", downloads.unanswered);
  report.add("totals", "uploaded", total.ok);
  report.add("totals", "not_sent", total.not_sent);
  report.add("totals", "bytes_uploaded", total.bytes_ok);
  report.attach("steps", std::move(steps));
  report.print(std::cout);
  if (!write_report(report, common.json_file)) return 2;
  if (total.ok == 0) {
    std::cerr << "no upload came back right: the run checked nothing\n";
    return 1;
  }
  return total.errors() == 0 && downloads.errors() == 0 ? 0 : 1;
}

}  // namespace talkline::bench
