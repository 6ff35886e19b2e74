#include "connections_scenario.hpp"

#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>

#include "connector.hpp"
#include "io_pool.hpp"
#include "process_stats.hpp"
#include "report.hpp"
#include "setup.hpp"
#include "traffic.hpp"
#include "traffic_report.hpp"

namespace talkline::bench {

namespace {

using Clock = std::chrono::steady_clock;

void hold_idle(const CommonOptions& common, const std::vector<std::shared_ptr<SioConnection>>& connections,
               util::Json& timeline) {
  const auto start = Clock::now();
  const auto end =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(common.duration_seconds));
  if (common.report_every_seconds <= 0) {
    std::this_thread::sleep_until(end);
    return;
  }
  const auto window =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(common.report_every_seconds));
  auto previous = sample_resources(common, start);
  for (auto next = start + window; previous.at_seconds < common.duration_seconds; next += window) {
    std::this_thread::sleep_until(std::min(next, end));
    const auto now = sample_resources(common, start);
    const WindowResources span{previous, now};
    util::Json entry = {{"at_seconds", now.at_seconds}, {"open_connections", count_open(connections)}};
    if (auto cpu = span.server_cpu_percent()) {
      entry["server_cpu_percent"] = *cpu;
      entry["server_rss_kib"] = now.server->rss_kib;
      entry["server_open_files"] = now.server_open_files;
      std::fprintf(stderr, "[%6.0fs] open %d  | server cpu %.1f%% rss %.1f MiB fds %ld\n", now.at_seconds,
                   entry["open_connections"].get<int>(), *cpu, now.server->rss_kib / 1024, now.server_open_files);
    } else {
      std::fprintf(stderr, "[%6.0fs] open %d\n", now.at_seconds, entry["open_connections"].get<int>());
    }
    timeline.push_back(std::move(entry));
    previous = now;
    if (Clock::now() >= end) break;
  }
}

}  // namespace

int run_connections(const CommonOptions& common, const ConnectionsOptions& options) {
  IoPool pool(common.threads);
  const int per_user = std::max(1, options.connections_per_user);
  const int user_count = (options.connections + per_user - 1) / per_user;
  std::cerr << "registering " << user_count << " users\n";
  const auto users = register_users(pool, common, user_count);
  std::vector<std::string> tokens;
  for (int i = 0; i < options.connections; ++i) tokens.push_back(users[static_cast<std::size_t>(i / per_user)].token);

  const auto nodes_before = sample_server(common.server_pids);
  const auto bench_before = sample_process(0);
  std::cerr << "opening " << options.connections << " connections\n";
  auto outcome = connect_all(pool, common, tokens);
  const int connected = options.connections - outcome.failed;
  const auto nodes_connected = sample_server(common.server_pids);
  const auto bench_connected = sample_process(0);

  // Hold them idle; in soak mode, say every window how the server is doing.
  util::Json timeline = util::Json::array();
  hold_idle(common, outcome.connections, timeline);
  const auto nodes_end = sample_server(common.server_pids);
  const auto bench_end = sample_process(0);
  const auto server_before = nodes_before.total();
  const auto server_connected = nodes_connected.total();
  const auto server_end = nodes_end.total();
  const int still_open = count_open(outcome.connections);
  close_all(outcome.connections);
  outcome.connections.clear();
  pool.join();

  Report report("connections");
  report.add("parameters", "connections", options.connections);
  report.add("parameters", "connections_per_user", per_user);
  report.add("parameters", "duration", common.duration_seconds, "s");
  report.add("parameters", "threads", pool.thread_count());
  report.add("parameters", "source_addresses", common.source_addresses);
  add_targets(report, common);
  report.add("results", "connected", connected);
  report.add("results", "failed", outcome.failed);
  if (!outcome.first_error.empty()) report.add("results", "first_error", outcome.first_error);
  report.add("results", "dropped_while_idle", connected - still_open);
  report.add("results", "handshake_seconds", outcome.seconds, "s");
  report.add("results", "handshakes_per_second", outcome.seconds > 0 ? connected / outcome.seconds : 0.0, "/s");
  if (bench_before && bench_connected && bench_end) {
    report.add("bench", "cpu_connect_phase", bench_connected->cpu_seconds - bench_before->cpu_seconds, "s");
    report.add("bench", "cpu_idle_percent",
               100 * (bench_end->cpu_seconds - bench_connected->cpu_seconds) / common.duration_seconds, "%");
    report.add("bench", "rss", bench_end->rss_kib / 1024, "MiB");
  }
  if (server_before && server_connected && server_end) {
    report.add("server", "cpu_connect_phase", server_connected->cpu_seconds - server_before->cpu_seconds, "s");
    report.add("server", "cpu_idle_percent",
               100 * (server_end->cpu_seconds - server_connected->cpu_seconds) / common.duration_seconds, "%");
    report.add("server", "rss_before", server_before->rss_kib / 1024, "MiB");
    report.add("server", "rss_connected", server_end->rss_kib / 1024, "MiB");
    if (connected > 0) {
      report.add("server", "rss_per_connection", (server_end->rss_kib - server_before->rss_kib) / connected, "KiB");
    }
    if (nodes_end.nodes.size() > 1) {
      util::Json cpu = util::Json::array();
      util::Json rss = util::Json::array();
      for (std::size_t n = 0; n < nodes_end.nodes.size(); ++n) {
        // Every node was sampled each time, or the totals above would be missing.
        cpu.push_back(nodes_connected.nodes[n]->cpu_seconds - nodes_before.nodes[n]->cpu_seconds);
        rss.push_back(nodes_end.nodes[n]->rss_kib / 1024);
      }
      report.add("server", "cpu_connect_phase_per_node", cpu, "s");
      report.add("server", "rss_connected_per_node", rss, "MiB");
    }
  } else if (!common.server_pids.empty()) {
    std::cerr << "warning: a server process to sample is gone\n";
  }
  if (!timeline.empty()) report.attach("timeline", std::move(timeline));
  report.print(std::cout);
  if (!write_report(report, common.json_file)) return 2;
  return outcome.failed > 0 || still_open != connected ? 1 : 0;
}

}  // namespace talkline::bench
