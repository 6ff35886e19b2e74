#include "transfer_phase.hpp"

#include "api_client.hpp"
#include "process_stats.hpp"
#include "util/crypto.hpp"

namespace talkline::bench {

namespace net = boost::asio;
using Clock = Phase::Clock;

namespace {

// How often run_phase samples the server's RSS: often enough to catch a peak that lasts as
// long as one large upload.
constexpr auto kSampleEvery = std::chrono::milliseconds(20);

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

}  // namespace

Payload make_payload(std::int64_t bytes) {
  Payload payload;
  payload.bytes = make_text_payload(static_cast<std::size_t>(std::max<std::int64_t>(1, bytes)));
  payload.sha256 = util::sha256_hex(payload.bytes);
  return payload;
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

}  // namespace talkline::bench
