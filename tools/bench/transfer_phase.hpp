#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bench_options.hpp"
#include "file_client.hpp"
#include "io_pool.hpp"
#include "setup.hpp"
#include "transfer_stats.hpp"

namespace talkline::bench {

/// A file every transfer of a phase sends or expects: made and hashed once, shared by every
/// uploader.
struct Payload {
  std::string bytes;
  std::string sha256;
};

/// `bytes` (at least 1) of make_text_payload, with its SHA-256.
Payload make_payload(std::int64_t bytes);

/// One user's connection and what it uploaded. Its coroutines run on its client's strand
/// only, one phase at a time.
struct Uploader {
  std::unique_ptr<FileClient> client;
  std::string token;
  std::vector<std::string> ids;  ///< what it uploaded in phases with keep_ids
};

/// One uploader per user, uploader w on node w mod N (like the other scenarios' connections).
std::vector<Uploader> make_uploaders(IoPool& pool, const CommonOptions& common, const std::vector<BenchUser>& users);

/// One phase. Uploads: `count` of them, upload n planned at begin + n · interval and made
/// by uploader n mod U. Downloads: each uploader fetches the files it uploaded, one after
/// the other, until `end`. Uploader w writes only stats[w] (and its own ids), on its
/// strand; run_phase reads them after `done`.
struct Phase {
  using Clock = std::chrono::steady_clock;
  const Payload* payload = nullptr;
  bool download = false;
  bool keep_ids = false;  ///< uploads: remember the ids, for the downloads
  Clock::time_point begin;
  Clock::time_point end;  ///< downloads: none starts after it
  Clock::duration interval{};
  std::uint64_t count = 0;
  Clock::time_point give_up = Clock::time_point::max();  ///< an upload not started by then is not sent
  std::chrono::seconds timeout{120};
  std::vector<TransferStats> stats;
  std::atomic<int> running{0};
  std::promise<void> done;
};

/// What the calling thread measured around one phase.
struct PhaseResult {
  TransferStats stats;
  double seconds = 0;  ///< from the phase's start to its last answer
  RssTracker rss;      ///< the server's, sampled every 20 ms
  std::optional<double> server_cpu_percent;
};

/// Runs `phase` on `uploaders` (each its own coroutine on its own strand) and samples the
/// server (`server_pids`) meanwhile; returns when every uploader is done. Called from the
/// scenario's main thread, never from a pool thread.
PhaseResult run_phase(std::vector<Uploader>& uploaders, std::shared_ptr<Phase> phase,
                      const std::vector<pid_t>& server_pids);

}  // namespace talkline::bench
