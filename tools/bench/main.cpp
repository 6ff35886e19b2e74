// talkline-bench: load generator for any server speaking TalkLine's Socket.IO events.
// See tools/bench/README.md.
#include <unistd.h>

#include <chrono>
#include <exception>
#include <functional>
#include <iostream>
#include <random>
#include <thread>

#include <CLI/CLI.hpp>

#include "attachments_scenario.hpp"
#include "bench_options.hpp"
#include "connections_scenario.hpp"
#include "daily_model_scenario.hpp"
#include "direct_scenario.hpp"
#include "group_scenario.hpp"
#include "persist_scenario.hpp"
#include "process_stats.hpp"

namespace {

using namespace talkline::bench;

constexpr double kSoakReportSeconds = 10;
constexpr double kSoakMaxSeconds = 3600;

std::string make_run_id() {
  std::random_device device;
  std::mt19937_64 random(device() ^ static_cast<std::uint64_t>(getpid()));
  constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string id = "b";
  for (int i = 0; i < 8; ++i) id += kDigits[random() % 36];
  return id;
}

struct Settings {
  CommonOptions common;
  std::vector<std::string> urls;
  ConnectionsOptions connections;
  DirectOptions direct;
  GroupOptions group;
  PersistOptions persist;
  DailyModelOptions daily;
  AttachmentsOptions attachments;
};

void add_common(CLI::App& command, Settings& settings) {
  auto& common = settings.common;
  command
      .add_option("--url", settings.urls,
                  "Server to drive, http://host:port; several nodes of one server as a comma-separated list or a "
                  "repeated --url (connections go to them in turn, HTTP setup to the first)")
      ->required()
      ->delimiter(',');
  command.add_option("--duration", common.duration_seconds, "Seconds to hold (connections) or to send per rate");
  command.add_option("--threads", common.threads, "I/O threads (0 = one per core)");
  command.add_option("--source-addresses", common.source_addresses,
                     "Bind connections to 127.0.0.1 … 127.0.0.N in turn (loopback servers only)");
  command
      .add_option("--server-pid", common.server_pids,
                  "Server process to sample for CPU, RSS and open files; one per node (comma-separated or repeated), "
                  "reported per node and summed")
      ->delimiter(',');
  command.add_option("--setup-concurrency", common.setup_concurrency, "HTTP setup requests in flight at once");
  command.add_option("--connect-concurrency", common.connect_concurrency, "Socket.IO handshakes in flight at once");
  command.add_option("--json", common.json_file, "Also write the result as JSON to this file");
  command.add_option("--run-id", common.run_id, "Username prefix (default: random), 1-16 letters or digits");
  command.add_option("--report-every", common.report_every_seconds, "Print a line every S seconds (0 = off)");
}

void add_messaging(CLI::App& command, MessagingOptions& messaging, double default_bound_ms) {
  messaging.p99_bound_ms = default_bound_ms;
  command.add_option("--rate", messaging.rate, "Messages per second over all senders");
  command.add_option("--rates", messaging.rates, "Rising rates, each for --duration (e.g. 1000,5000,20000)")
      ->delimiter(',');
  command.add_option("--p99-bound-ms", messaging.p99_bound_ms, "Stop at the first rate whose p99 exceeds this")
      ->capture_default_str();
  command.add_option("--body-bytes", messaging.body_bytes, "Approximate message body size");
  command.add_option("--drain", messaging.drain_seconds, "Most seconds to wait for answers after each rate");
  command.add_option("--settle", messaging.settle_seconds,
                     "Seconds to wait after the connections open before the first rate (the server's "
                     "connect work, such as catch-up reads, is then not measured as messaging)");
}

// The scenario subcommands, under `parent` (the app itself, or `soak`). Returns the
// runner of whichever one was chosen.
std::vector<std::pair<CLI::App*, std::function<int()>>> add_scenarios(CLI::App& parent, Settings& settings) {
  std::vector<std::pair<CLI::App*, std::function<int()>>> scenarios;

  auto* connections = parent.add_subcommand("connections", "N idle authenticated connections");
  add_common(*connections, settings);
  connections->add_option("--connections", settings.connections.connections, "Connections to open");
  connections->add_option("--connections-per-user", settings.connections.connections_per_user,
                          "Connections sharing one user (the server allows 20 by default)");
  scenarios.emplace_back(connections, [&] { return run_connections(settings.common, settings.connections); });

  auto* direct = parent.add_subcommand("direct", "P pairs chatting 1:1 at a total target rate");
  add_common(*direct, settings);
  add_messaging(*direct, settings.direct.messaging, 2);
  direct->add_option("--pairs", settings.direct.pairs, "Pairs of users, one direct conversation each");
  scenarios.emplace_back(direct, [&] { return run_direct(settings.common, settings.direct); });

  auto* group = parent.add_subcommand("group", "G groups of M online members, all sending");
  add_common(*group, settings);
  add_messaging(*group, settings.group.messaging, 0);
  group->add_option("--groups", settings.group.groups, "Groups");
  group->add_option("--members", settings.group.members, "Members per group, all online");
  scenarios.emplace_back(group, [&] { return run_group(settings.common, settings.group); });

  auto* persist = parent.add_subcommand("persist", "Durably acked sends at rising rates");
  add_common(*persist, settings);
  add_messaging(*persist, settings.persist.messaging, 10);
  persist->add_option("--senders", settings.persist.senders, "Sending users, each alone online in its conversation");
  scenarios.emplace_back(persist, [&] { return run_persist(settings.common, settings.persist); });

  auto* daily = parent.add_subcommand("daily-model", "The specified daily traffic, compressed in time");
  add_common(*daily, settings);
  auto& model = settings.daily;
  daily->add_option("--active", model.active, "Daily active users (each one connection)")->capture_default_str();
  daily->add_option("--messages-per-day", model.messages_per_day, "Messages per active user per day")
      ->capture_default_str();
  daily->add_option("--read-ratio", model.read_ratio, "History reads per message sent")->capture_default_str();
  daily->add_option("--speedup", model.speedup, "Model seconds per wall-clock second")->capture_default_str();
  daily->add_option("--group-size", model.group_size, "Members per group")->capture_default_str();
  daily->add_option("--group-share", model.group_share, "Fraction of messages sent to groups")->capture_default_str();
  daily->add_option("--readers", model.readers, "HTTP connections making the reads")->capture_default_str();
  daily->add_option("--read-limit", model.read_limit, "Messages per history page")->capture_default_str();
  daily->add_option("--body-bytes", model.body_bytes, "Approximate message body size");
  daily->add_option("--drain", model.drain_seconds, "Most seconds to wait for answers at the end");
  scenarios.emplace_back(daily, [&] { return run_daily_model(settings.common, settings.daily); });
  return scenarios;
}

// The uploads scenario: plain HTTP with no Socket.IO traffic and no time line, so it is not
// one of soak's.
std::pair<CLI::App*, std::function<int()>> add_attachments(CLI::App& app, Settings& settings) {
  auto* attach = app.add_subcommand("attachments", "File uploads at rising rates, then large files at once");
  add_common(*attach, settings);
  auto& files = settings.attachments;
  attach->add_option("--uploaders", files.uploaders, "Uploading users, each on its own kept-alive connection")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  attach->add_option("--file-bytes", files.file_bytes, "Size of every file of the rate steps")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  attach->add_option("--rate", files.rate, "Uploads per second over all uploaders")->capture_default_str();
  attach->add_option("--rates", files.rates, "Rising upload rates, each for --duration (e.g. 5,10,20)")->delimiter(',');
  attach->add_option("--p99-bound-ms", files.p99_bound_ms, "Stop at the first rate whose p99 upload exceeds this")
      ->capture_default_str();
  attach->add_option("--drain", files.drain_seconds, "Most seconds past a step's end to finish its uploads")
      ->capture_default_str();
  attach->add_option("--large-file-bytes", files.large_file_bytes, "Size of the large step's files (0 = no large step)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  attach->add_option("--large-files", files.large_files, "Large files uploaded at once, one per uploader")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  attach
      ->add_option("--download-seconds", files.download_seconds,
                   "Seconds of downloads of the uploaded files after the steps (0 = none)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  attach->add_option("--timeout", files.timeout_seconds, "Seconds one read or write of an upload may take")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  return {attach, [&] { return run_attachments(settings.common, settings.attachments); }};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"talkline-bench: load generator for TalkLine's Socket.IO events", "talkline-bench"};
  app.require_subcommand(1);
  Settings settings;
  auto scenarios = add_scenarios(app, settings);
  scenarios.push_back(add_attachments(app, settings));
  auto* soak = app.add_subcommand("soak", "Any scenario for a fixed time (up to 1 hour), a report line every 10 s");
  soak->require_subcommand(1);
  auto soak_scenarios = add_scenarios(*soak, settings);
  CLI11_PARSE(app, argc, argv);

  auto& common = settings.common;
  if (const auto error = parse_urls(settings.urls, common.targets); !error.empty()) {
    std::cerr << error << "\n";
    return 2;
  }
  for (const pid_t pid : common.server_pids) {
    if (pid <= 0) {
      std::cerr << "--server-pid: " << pid << " is not a process id\n";
      return 2;
    }
  }
  if (soak->parsed()) {
    if (common.duration_seconds > kSoakMaxSeconds) {
      std::cerr << "soak runs at most " << kSoakMaxSeconds << " s\n";
      return 2;
    }
    if (common.report_every_seconds <= 0) common.report_every_seconds = kSoakReportSeconds;
    scenarios = std::move(soak_scenarios);
  }
  if (common.threads <= 0) common.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (common.run_id.empty()) common.run_id = make_run_id();
  if (common.source_addresses < 1) common.source_addresses = 1;
  const long open_files = raise_open_file_limit();
  std::cerr << "run " << common.run_id << ", " << common.threads << " threads, open-file limit " << open_files << "\n";

  try {
    for (auto& [command, run] : scenarios) {
      if (command->parsed()) return run();
    }
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "talkline-bench: " << e.what() << "\n";
    return 2;
  }
}
