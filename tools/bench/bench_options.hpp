#pragma once

#include <sys/types.h>
#include <cstdint>
#include <string>
#include <vector>

namespace talkline::bench {

/// Where the server listens, from `--url http://host:port`.
struct Target {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
};

/// Parses `http://host:port` (a trailing '/' allowed); false when it is not one.
bool parse_url(const std::string& url, Target& target);

/// Options every scenario shares.
struct CommonOptions {
  Target target;
  int threads = 0;           ///< I/O threads; 0 = one per core
  int source_addresses = 1;  ///< bind to 127.0.0.1 … 127.0.0.N (loopback targets only)
  pid_t server_pid = 0;      ///< 0 = do not sample the server
  double duration_seconds = 10;
  int setup_concurrency = 16;       ///< parallel HTTP requests while registering users
  int connect_concurrency = 256;    ///< Socket.IO handshakes in flight at once
  std::string json_file;            ///< empty = no JSON
  std::string run_id;               ///< prefix of the usernames this run registers
  double report_every_seconds = 0;  ///< soak: a line (and a timeline entry) per window; 0 = off
};

struct ConnectionsOptions {
  int connections = 1000;
  int connections_per_user = 10;
};

/// What every message-sending scenario shares.
struct MessagingOptions {
  double rate = 1000;         ///< messages per second over all senders
  std::vector<double> rates;  ///< rising steps, each for the whole duration; empty = `rate` once
  double p99_bound_ms = 0;    ///< stepped runs stop after the first step whose p99 exceeds it
  int body_bytes = 32;
  double drain_seconds = 5;  ///< most time to wait for outstanding acks and deliveries
};

struct DirectOptions {
  int pairs = 100;
  MessagingOptions messaging;
};

struct GroupOptions {
  int groups = 10;
  int members = 100;
  MessagingOptions messaging;
};

struct PersistOptions {
  int senders = 100;
  MessagingOptions messaging;
};

/// The traffic model TalkLine was specified for, compressed in time.
struct DailyModelOptions {
  int active = 100000;
  double messages_per_day = 50;  ///< per active user
  double read_ratio = 4;         ///< history reads per message sent
  double speedup = 100;          ///< model seconds per wall-clock second
  int group_size = 8;
  double group_share = 0.3;  ///< fraction of messages sent to groups rather than 1:1
  int readers = 8;           ///< HTTP connections issuing the reads
  int read_limit = 50;       ///< messages per history page
  int body_bytes = 64;
  double drain_seconds = 5;
};

}  // namespace talkline::bench

namespace talkline::bench {

/// The source address for the i-th outgoing connection: 127.0.0.(1 + i mod N) when more
/// than one source address was asked for, empty (let the kernel choose) otherwise.
std::string source_address_for(const CommonOptions& options, std::size_t i);

}  // namespace talkline::bench
