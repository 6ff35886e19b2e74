#pragma once

#include <sys/types.h>
#include <cstdint>
#include <string>

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
  int setup_concurrency = 16;     ///< parallel HTTP requests while registering users
  int connect_concurrency = 256;  ///< Socket.IO handshakes in flight at once
  std::string json_file;          ///< empty = no JSON
  std::string run_id;             ///< prefix of the usernames this run registers
};

struct ConnectionsOptions {
  int connections = 1000;
  int connections_per_user = 10;
};

struct DirectOptions {
  int pairs = 100;
  double rate = 1000;  ///< messages per second over all pairs
  int body_bytes = 32;
  double drain_seconds = 5;  ///< most time to wait for outstanding acks and deliveries
};

}  // namespace talkline::bench

namespace talkline::bench {

/// The source address for the i-th outgoing connection: 127.0.0.(1 + i mod N) when more
/// than one source address was asked for, empty (let the kernel choose) otherwise.
std::string source_address_for(const CommonOptions& options, std::size_t i);

}  // namespace talkline::bench
