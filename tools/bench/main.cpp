// talkline-bench: load generator for any server speaking TalkLine's Socket.IO events.
// See tools/bench/README.md.
#include <unistd.h>

#include <chrono>
#include <exception>
#include <iostream>
#include <random>
#include <thread>

#include <CLI/CLI.hpp>

#include "bench_options.hpp"
#include "connections_scenario.hpp"
#include "direct_scenario.hpp"
#include "process_stats.hpp"

namespace {

using namespace talkline::bench;

std::string make_run_id() {
  std::random_device device;
  std::mt19937_64 random(device() ^ static_cast<std::uint64_t>(getpid()));
  constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string id = "b";
  for (int i = 0; i < 8; ++i) id += kDigits[random() % 36];
  return id;
}

void add_common(CLI::App& command, CommonOptions& common, std::string& url) {
  command.add_option("--url", url, "Server to drive, http://host:port")->required();
  command.add_option("--duration", common.duration_seconds, "Seconds to hold (connections) or send (direct)");
  command.add_option("--threads", common.threads, "I/O threads (0 = one per core)");
  command.add_option("--source-addresses", common.source_addresses,
                     "Bind connections to 127.0.0.1 … 127.0.0.N in turn (loopback servers only)");
  command.add_option("--server-pid", common.server_pid, "Server process to sample for CPU and RSS");
  command.add_option("--setup-concurrency", common.setup_concurrency, "HTTP setup requests in flight at once");
  command.add_option("--connect-concurrency", common.connect_concurrency, "Socket.IO handshakes in flight at once");
  command.add_option("--json", common.json_file, "Also write the result as JSON to this file");
  command.add_option("--run-id", common.run_id, "Username prefix (default: random), 1-16 letters or digits");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"talkline-bench: load generator for TalkLine's Socket.IO events", "talkline-bench"};
  app.require_subcommand(1);
  CommonOptions common;
  std::string url;
  ConnectionsOptions connections;
  DirectOptions direct;

  auto* connections_command = app.add_subcommand("connections", "N idle authenticated connections");
  add_common(*connections_command, common, url);
  connections_command->add_option("--connections", connections.connections, "Connections to open");
  connections_command->add_option("--connections-per-user", connections.connections_per_user,
                                  "Connections sharing one user (the server allows 20 by default)");

  auto* direct_command = app.add_subcommand("direct", "P pairs chatting 1:1 at a total target rate");
  add_common(*direct_command, common, url);
  direct_command->add_option("--pairs", direct.pairs, "Pairs of users, one direct conversation each");
  direct_command->add_option("--rate", direct.rate, "Messages per second over all senders");
  direct_command->add_option("--body-bytes", direct.body_bytes, "Approximate message body size");
  direct_command->add_option("--drain", direct.drain_seconds, "Most seconds to wait for answers after the last send");

  CLI11_PARSE(app, argc, argv);
  if (!parse_url(url, common.target)) {
    std::cerr << "--url must look like http://127.0.0.1:8080\n";
    return 2;
  }
  if (common.threads <= 0) common.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (common.run_id.empty()) common.run_id = make_run_id();
  if (common.source_addresses < 1) common.source_addresses = 1;
  const long open_files = raise_open_file_limit();
  std::cerr << "run " << common.run_id << ", " << common.threads << " threads, open-file limit " << open_files << "\n";

  try {
    if (connections_command->parsed()) return run_connections(common, connections);
    return run_direct(common, direct);
  } catch (const std::exception& e) {
    std::cerr << "talkline-bench: " << e.what() << "\n";
    return 2;
  }
}
