#pragma once

#include <sys/types.h>
#include <cstdint>
#include <string>
#include <vector>

namespace talkline::bench {

/// Where one server node listens, from `--url http://host:port`.
struct Target {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;

  /// `http://host:port`, as it is reported.
  std::string url() const;
  /// `host:port`, the Host header.
  std::string authority() const;
};

/// Parses `http://host:port` (a trailing '/' allowed); false when it is not one.
bool parse_url(const std::string& url, Target& target);

/// Parses the `--url` values, in order; each may hold several URLs separated by commas.
/// Returns an error naming the first bad one (or saying there is none), empty when all parse.
std::string parse_urls(const std::vector<std::string>& urls, std::vector<Target>& targets);

/// Options every scenario shares.
struct CommonOptions {
  /// The nodes of the server under test (at least one). HTTP setup goes to the first;
  /// connections are spread over all of them (target_for).
  std::vector<Target> targets{Target{}};
  int threads = 0;                 ///< I/O threads; 0 = one per core
  int source_addresses = 1;        ///< bind to 127.0.0.1 … 127.0.0.N (loopback targets only)
  std::vector<pid_t> server_pids;  ///< server processes to sample, one per node; empty = none
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
  /// Seconds between the last connection opening and the first send, so the first step
  /// measures messaging rather than the server still answering the connections (catch-up).
  double settle_seconds = 0;
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

/// File uploads over HTTP (`POST /api/v1/uploads`) at rising rates, then a few large
/// files at once, with the server's memory watched throughout.
struct AttachmentsOptions {
  int uploaders = 8;                                       ///< users, each on its own kept-alive connection
  std::int64_t file_bytes = std::int64_t{4} << 20;         ///< size of every file of the rate steps
  double rate = 10;                                        ///< uploads per second over all uploaders
  std::vector<double> rates;                               ///< rising steps, each for the whole duration
  double p99_bound_ms = 1000;                              ///< planned start → 201 bound of a step
  double drain_seconds = 30;                               ///< most time past a step's end to finish its uploads
  std::int64_t large_file_bytes = std::int64_t{64} << 20;  ///< the large step's file size; 0 = no large step
  int large_files = 4;                                     ///< large files uploaded at once, one per uploader
  double download_seconds = 5;  ///< downloads of the uploaded files after the steps; 0 = none
  int timeout_seconds = 120;    ///< per read or write of one upload
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

/// The node the i-th connection goes to: node_of(i, targets). Every scenario numbers its
/// connections so that the members of one conversation are consecutive (the two users of a
/// direct pair are 2p and 2p+1, a group's members follow each other), so round robin puts
/// them on different nodes as far as the node count allows: a sender on node k, its
/// recipient on node k+1.
const Target& target_for(const CommonOptions& options, std::size_t i);

/// i mod nodes (0 when there are no nodes).
std::size_t node_of(std::size_t connection, std::size_t nodes);

}  // namespace talkline::bench
